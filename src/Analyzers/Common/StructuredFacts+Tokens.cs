using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Structured.Analyzers;

// StructuredFacts, part: the token filters, before any symbol is looked up: the identifiers a file must contain to
// name Structured's API at all (Structured, StartSoon, or with a global using the names of its types).
internal sealed partial class StructuredFacts
{
    private readonly ConcurrentDictionary<SyntaxTree, bool> _treeNamesStructured = new();
    private readonly object _anyFileLock = new();
    private static readonly HashSet<string> PlainFilter = new(StringComparer.Ordinal) { "Structured", "StartSoon" };

    /// <summary>
    /// The first filter, before any symbol is looked up: some file contains the identifier <c>Structured</c> or
    /// <c>StartSoon</c> (without a global using of Structured, no file can name its API otherwise).
    /// </summary>
    private static bool AnyFileSaysStructured(Compilation compilation) =>
        compilation.SyntaxTrees.Any(t => t.GetRoot().DescendantTokens().Any(k => k.IsKind(SyntaxKind.IdentifierToken) && PlainFilter.Contains(k.ValueText)));

    /// <summary>
    /// The names of the types and members of namespace Structured and below (and "Structured" itself); and apart, the
    /// names a file must contain to use Structured at all: the namespaces' and types' names, <c>StartSoon</c>, and the
    /// global using aliases of Structured's types.
    /// </summary>
    private static (HashSet<string> Api, HashSet<string> Types) CollectApiNames(Compilation compilation, bool globalUsing)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "Structured" };
        var types = new HashSet<string>(StringComparer.Ordinal) { "Structured", "StartSoon" };
        foreach (var alias in GlobalAliases(compilation))
        {
            types.Add(alias);
        }
        var root = compilation.GlobalNamespace.GetNamespaceMembers().FirstOrDefault(n => n.Name == "Structured");
        var work = new Stack<INamespaceOrTypeSymbol>();
        if (root is not null)
        {
            work.Push(root);
        }
        while (work.Count > 0)
        {
            var container = work.Pop();
            if (container is INamespaceSymbol ns)
            {
                names.Add(ns.Name);
            }
            foreach (var member in container.GetMembers())
            {
                switch (member)
                {
                    case INamespaceOrTypeSymbol nested:
                        names.Add(nested.Name);
                        if (globalUsing)
                        {
                            types.Add(nested.Name);
                        }
                        work.Push(nested);
                        break;
                    case IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.PropertyGet } m when m.Name is not ("ToString" or "Equals" or "GetHashCode"):
                        names.Add(m.Name);
                        break;
                    case IPropertySymbol or IFieldSymbol or IEventSymbol:
                        names.Add(member.Name);
                        break;
                }
            }
        }
        return (names, types);
    }

    /// <summary>
    /// A file can only name Structured's types after "using Structured;", in "namespace Structured...", or qualified
    /// (Structured.Nursery): it contains the identifier Structured. Unless a global using imports it (the
    /// &lt;Using Include="Structured" /&gt; of a project): then its types' names are what a file must contain.
    /// </summary>
    private static bool HasGlobalUsing(Compilation compilation) => GlobalUsings(compilation).Any();

    private static IEnumerable<string> GlobalAliases(Compilation compilation) =>
        GlobalUsings(compilation).Where(d => d.Alias is not null).Select(d => d.Alias!.Name.Identifier.ValueText);

    private static IEnumerable<UsingDirectiveSyntax> GlobalUsings(Compilation compilation) =>
        compilation.SyntaxTrees
            .Select(t => t.TryGetRoot(out var root) ? root as CompilationUnitSyntax : null)
            .SelectMany(u => u?.Usings ?? default)
            .Where(d => d.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword) && d.Name?.ToString().Replace("global::", "") is { } imported &&
                (imported == "Structured" || imported.StartsWith("Structured.", StringComparison.Ordinal)));

    /// <summary>Whether any file of the compilation names Structured (computed once, shared by every analyzer).</summary>
    private bool AnyFileNamesStructured(Compilation compilation, CancellationToken cancellationToken)
    {
        lock (_anyFileLock)
        {
            _anyFile ??= compilation.SyntaxTrees.Any(t => TreeNamesStructured(t, cancellationToken));
            return _anyFile.Value;
        }
    }

    /// <summary>
    /// The cheapest filter, per file: whether it contains the identifier <c>Structured</c> (or <c>StartSoon</c>; with a
    /// global using of Structured, a name of its types). A file without one cannot name Structured's API, except
    /// through members of values typed elsewhere (<c>var n = Factory.Nursery(); n.Cancel()</c>): a documented limit.
    /// </summary>
    private bool TreeNamesStructured(SyntaxTree tree, CancellationToken cancellationToken)
    {
        if (_treeNamesStructured.TryGetValue(tree, out var known))
        {
            return known;
        }
        var found = false;
        var filter = _globalUsing ? _names.Value.Types : PlainFilter;
        foreach (var token in tree.GetRoot(cancellationToken).DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && filter.Contains(token.ValueText))
            {
                found = true;
                break;
            }
        }
        _treeNamesStructured.TryAdd(tree, found);
        return found;
    }
}
