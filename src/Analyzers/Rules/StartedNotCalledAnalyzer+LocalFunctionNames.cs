using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Structured.Analyzers;

public sealed partial class StartedNotCalledAnalyzer
{
    /// <summary>
    /// The identifiers each local function's declaration names, read from its syntax once per operation block:
    /// <see cref="IsStartedCall"/> asks it of every call of a local function, for every IStarted parameter.
    /// </summary>
    /// <remarks>Used by one operation block action at a time (one instance per action), so it needs no lock.</remarks>
    private sealed class LocalFunctionNames
    {
        private readonly Dictionary<IMethodSymbol, HashSet<string>> _names = new(SymbolEqualityComparer.Default);

        public HashSet<string> Of(IMethodSymbol localFunction)
        {
            var definition = localFunction.OriginalDefinition;
            if (!_names.TryGetValue(definition, out var names))
            {
                names = new HashSet<string>(
                    definition.DeclaringSyntaxReferences.SelectMany(r => r.GetSyntax().DescendantNodes().OfType<IdentifierNameSyntax>())
                        .Select(n => n.Identifier.ValueText),
                    StringComparer.Ordinal);
                _names.Add(definition, names);
            }
            return names;
        }
    }
}
