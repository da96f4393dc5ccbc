using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Structured.Analyzers;

/// <summary>How a code fix writes <c>Structured.Checkpoint</c> where it inserts a call of it (STR104's and STR112's fixes).</summary>
internal static class CheckpointName
{
    /// <summary>
    /// The name to write at <paramref name="position"/>: <c>Checkpoint</c> when it is in scope, or when no other type of
    /// that name is (then <paramref name="position"/>'s file needs <c>using Structured;</c>: <c>AddUsing</c>), else
    /// <c>global::Structured.Checkpoint</c>.
    /// </summary>
    internal static async Task<(string Name, bool AddUsing)> AtAsync(Document document, int position, CancellationToken ct)
    {
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        var checkpoint = model?.Compilation.GetTypeByMetadataName("Structured.Checkpoint");
        var visible = model?.LookupNamespacesAndTypes(position, name: "Checkpoint") ?? ImmutableArray<ISymbol>.Empty;
        var inScope = visible.Length == 1 && SymbolEqualityComparer.Default.Equals(visible[0], checkpoint);
        var clash = visible.Length > 0 && !inScope;
        return (clash ? "global::Structured.Checkpoint" : "Checkpoint", !inScope && !clash);
    }

    /// <summary>The fixed root, with <c>using Structured;</c> added to its compilation unit when <paramref name="addUsing"/> says so.</summary>
    internal static SyntaxNode WithUsing(SyntaxNode root, bool addUsing) =>
        addUsing && root is CompilationUnitSyntax unit
            ? unit.AddUsings(SyntaxFactory.UsingDirective(SyntaxFactory.IdentifierName("Structured"))
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed))
            : root;
}
