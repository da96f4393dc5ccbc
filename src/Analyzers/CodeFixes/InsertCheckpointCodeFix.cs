using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace Structured.Analyzers;

/// <summary>
/// STR112 fix (as flake8-async's autofix of ASYNC910/911/913): <c>await Checkpoint.YieldAsync();</c> as the first
/// statement of the function or of the loop body, or just before the <c>yield return</c>. Offered when that place
/// is a block (an expression-bodied function or a loop body without braces is left to the author).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertCheckpointCodeFix)), Shared]
public sealed class InsertCheckpointCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("STR112");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }
        foreach (var diagnostic in context.Diagnostics)
        {
            diagnostic.Properties.TryGetValue(PathWithoutCheckpointAnalyzer.PlaceKey, out var place);
            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            var (block, index) = Target(token, place);
            if (block is null)
            {
                continue;
            }
            context.RegisterCodeFix(
                CodeAction.Create("Insert 'await Checkpoint.YieldAsync();'", ct => FixAsync(context.Document, root, block, index, ct), equivalenceKey: "STR112"),
                diagnostic);
        }
    }

    /// <summary>The block to insert into and the index of the statement to insert before.</summary>
    private static (BlockSyntax? Block, int Index) Target(SyntaxToken token, string? place)
    {
        switch (place)
        {
            case "yield":
                var yield = token.Parent?.FirstAncestorOrSelf<YieldStatementSyntax>();
                return yield?.Parent is BlockSyntax parent ? (parent, parent.Statements.IndexOf(yield)) : (null, 0);
            case "loop":
                var body = token.Parent switch
                {
                    WhileStatementSyntax w => w.Statement,
                    DoStatementSyntax d => d.Statement,
                    ForStatementSyntax f => f.Statement,
                    _ => null,
                };
                return (body as BlockSyntax, 0);
            default:
                var function = token.Parent switch
                {
                    MethodDeclarationSyntax m => m.Body,
                    LocalFunctionStatementSyntax f => f.Body,
                    AnonymousFunctionExpressionSyntax f => f.Block,
                    _ => null,
                };
                return (function, 0);
        }
    }

    /// <summary>On its own line with the next statement's indentation, or before it on the same line when the block is on one line.</summary>
    private static StatementSyntax LayOutLike(StatementSyntax statement, StatementSyntax next, SyntaxNode root)
    {
        var onItsOwnLine = next.GetFirstToken().GetPreviousToken().TrailingTrivia.Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (!onItsOwnLine)
        {
            return statement.WithTrailingTrivia(SyntaxFactory.Space);
        }
        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return statement.WithLeadingTrivia(next.GetLeadingTrivia())
            .WithTrailingTrivia(endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : SyntaxFactory.CarriageReturnLineFeed);
    }

    private static async Task<Document> FixAsync(Document document, SyntaxNode root, BlockSyntax block, int index, CancellationToken ct)
    {
        var (checkpoint, addUsing) = await CheckpointName.AtAsync(document, block.SpanStart, ct).ConfigureAwait(false);
        var statement = SyntaxFactory.ParseStatement("await " + checkpoint + ".YieldAsync();");
        statement = index < block.Statements.Count ? LayOutLike(statement, block.Statements[index], root)
            : statement.WithAdditionalAnnotations(Formatter.Annotation);
        var fixedRoot = root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(index, statement)));
        return document.WithSyntaxRoot(CheckpointName.WithUsing(fixedRoot, addUsing));
    }
}
