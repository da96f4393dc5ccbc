using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

// StructuredFacts, part: "code that uses Structured", decided per member (see the type's remarks), and the
// structured_analyzers.scope key that makes every member count.
internal sealed partial class StructuredFacts
{
    private const string ScopeKey = "structured_analyzers.scope";
    private readonly ConcurrentDictionary<SyntaxNode, bool> _usesStructured = new();

    /// <summary>Whether the code at <paramref name="node"/> is "code that uses Structured" (see the type's remarks).</summary>
    public bool InStructuredCode(SyntaxNode node, SemanticModel model, AnalyzerOptions options, CancellationToken cancellationToken) =>
        ScopeIsAll(node.SyntaxTree, options) || MemberUsesStructured(node, model, cancellationToken);

    /// <summary>
    /// Whether the member around <paramref name="node"/> names Structured (see the type's remarks), ignoring
    /// <c>structured_analyzers.scope</c>: the cheap filter every rule applies before its own semantic work.
    /// </summary>
    public bool MemberUsesStructured(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        if (!TreeNamesStructured(node.SyntaxTree, cancellationToken))
        {
            return false;
        }
        var member = EnclosingMember(node);
        if (_usesStructured.TryGetValue(member, out var known))
        {
            return known;
        }
        var uses = NamesStructured(member, model, cancellationToken);
        _usesStructured.TryAdd(member, uses);
        return uses;
    }

    /// <summary>
    /// The member declaration around the node (method, constructor, accessor's property, field, ...), the type
    /// declaration for its attributes and base list, or the compilation unit for top-level statements.
    /// </summary>
    public static SyntaxNode EnclosingMember(SyntaxNode node)
    {
        for (var n = node; n is not null; n = n.Parent)
        {
            switch (n)
            {
                case GlobalStatementSyntax when n.Parent is not null:
                    return n.Parent;
                case BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or BaseFieldDeclarationSyntax
                    or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    return n;
            }
        }
        return node.SyntaxTree.GetRoot(cancellationToken: default);
    }

    private bool NamesStructured(SyntaxNode member, SemanticModel model, CancellationToken cancellationToken)
    {
        IEnumerable<SyntaxNode> nodes = member is CompilationUnitSyntax unit
            ? unit.Members.OfType<GlobalStatementSyntax>().SelectMany(g => g.DescendantNodes())
            : member is BaseTypeDeclarationSyntax type
                ? type.AttributeLists.Concat<SyntaxNode>(type.BaseList is { } b ? new[] { b } : Array.Empty<SyntaxNode>()).SelectMany(n => n.DescendantNodes())
                : member.DescendantNodes();
        foreach (var node in nodes)
        {
            if (node is not SimpleNameSyntax name || !_names.Value.Api.Contains(name.Identifier.ValueText))
            {
                continue;
            }
            var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
            if (symbol is not (INamespaceSymbol or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol) &&
                IsStructuredSymbol(symbol))
            {
                return true;
            }
        }
        return member is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax && ImplementsStructured(member, model, cancellationToken);
    }

    /// <summary>An override or interface implementation of a Structured member (a StructuredService's RunAsync): it runs on the Loop.</summary>
    private static bool ImplementsStructured(SyntaxNode member, SemanticModel model, CancellationToken cancellationToken)
    {
        var symbol = model.GetDeclaredSymbol(member, cancellationToken);
        var type = symbol?.ContainingType;
        if (symbol is null || type is null)
        {
            return false;
        }
        for (var m = symbol; m is not null; m = m switch { IMethodSymbol x => x.OverriddenMethod, IPropertySymbol x => x.OverriddenProperty, _ => null })
        {
            if (!SymbolEqualityComparer.Default.Equals(m, symbol) && IsStructuredSymbol(m))
            {
                return true;
            }
        }
        foreach (var @interface in type.AllInterfaces)
        {
            if (IsStructuredSymbol(@interface) && @interface.GetMembers(symbol.Name).Any(i =>
                SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(i), symbol)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether <c>structured_analyzers.scope = all</c> applies to the file: all its code counts as Structured code.</summary>
    public static bool ScopeIsAll(SyntaxTree tree, AnalyzerOptions options) =>
        options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(ScopeKey, out var scope) &&
        string.Equals(scope, "all", StringComparison.OrdinalIgnoreCase);
}
