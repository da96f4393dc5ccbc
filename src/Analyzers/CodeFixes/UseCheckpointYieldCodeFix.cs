using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Structured.Analyzers;

/// <summary>STR104 fix: <c>await Task.Yield()</c> / <c>await Task.Delay(0)</c> becomes <c>await Checkpoint.YieldAsync()</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseCheckpointYieldCodeFix)), Shared]
public sealed class UseCheckpointYieldCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("STR104");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
            invocation.Parent is not AwaitExpressionSyntax)
        {
            // Only an awaited call can change type (Task to ValueTask) without breaking the code around it.
            return;
        }
        context.RegisterCodeFix(
            CodeAction.Create("Use Checkpoint.YieldAsync()", ct => FixAsync(context.Document, root, invocation, ct), equivalenceKey: "STR104"),
            context.Diagnostics);
    }

    private static async Task<Document> FixAsync(Document document, SyntaxNode root, InvocationExpressionSyntax invocation, CancellationToken ct)
    {
        var (checkpoint, addUsing) = await CheckpointName.AtAsync(document, invocation.SpanStart, ct).ConfigureAwait(false);
        var replacement = SyntaxFactory.ParseExpression(checkpoint + ".YieldAsync()").WithTriviaFrom(invocation);
        return document.WithSyntaxRoot(CheckpointName.WithUsing(root.ReplaceNode(invocation, replacement), addUsing));
    }
}
