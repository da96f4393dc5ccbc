using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR111: a <c>using</c> / <c>await using</c> variable of a nursery body that a child started with StartSoon
/// uses, when the body awaits nothing after starting the child: the body ends, disposes the resource, and the
/// nursery then waits for a child that still uses it.
/// </summary>
/// <remarks>Sure cases only: any await after the StartSoon (the body might wait for the child) silences it.</remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UsingCapturedByChildAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR111);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
            start.RegisterSyntaxNodeAction(c => Analyze(c, facts), SyntaxKind.InvocationExpression));
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (StructuredFacts.RunAsyncLambda(invocation) is not { Body: BlockSyntax body } ||
            !facts.IsNurseryRunAsync(invocation, context.SemanticModel, context.CancellationToken))
        {
            return;
        }
        CheckStatements(body.Statements, context, facts);
    }

    /// <summary>Looks for using variables in a statement list and in the blocks of using statements within it.</summary>
    private static void CheckStatements(SyntaxList<StatementSyntax> statements, SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        for (var i = 0; i < statements.Count; i++)
        {
            switch (statements[i])
            {
                case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword } declaration:
                    foreach (var variable in declaration.Declaration.Variables)
                    {
                        Check(variable, statements, i + 1, context, facts);
                    }
                    break;
                case UsingStatementSyntax { Declaration: { } declaration, Statement: BlockSyntax block }:
                    foreach (var variable in declaration.Variables)
                    {
                        Check(variable, block.Statements, 0, context, facts);
                    }
                    CheckStatements(block.Statements, context, facts);
                    break;
            }
        }
    }

    private static void Check(VariableDeclaratorSyntax variable, SyntaxList<StatementSyntax> scope, int from, SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var model = context.SemanticModel;
        var local = model.GetDeclaredSymbol(variable, context.CancellationToken);
        if (local is null)
        {
            return;
        }
        for (var j = from; j < scope.Count; j++)
        {
            // StartSoon as a statement of the scope, or inside a loop or branch of it (fan-out: foreach ... StartSoon).
            foreach (var start in StructuredFacts.OwnNodes(scope[j]).OfType<InvocationExpressionSyntax>())
            {
                if (start.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StartSoon" } ||
                    model.GetSymbolInfo(start, context.CancellationToken).Symbol is not IMethodSymbol startSoon ||
                    !StructuredFacts.Is(startSoon.ContainingType, facts.Nursery))
                {
                    continue;
                }
                // The child is a lambda that names the resource, or a method group of it (nursery.StartSoon(connection.PumpAsync)).
                var use = start.ArgumentList.Arguments
                    .SelectMany(a => a.Expression is AnonymousFunctionExpressionSyntax
                        ? a.DescendantNodes().OfType<IdentifierNameSyntax>()
                        : a.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver } ? new[] { receiver } : Enumerable.Empty<IdentifierNameSyntax>())
                    .FirstOrDefault(n => n.Identifier.ValueText == local.Name &&
                        SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, context.CancellationToken).Symbol, local));
                if (use is null)
                {
                    continue;
                }
                // Any cancel point after the StartSoon, in its statement or the following ones, may wait for the child.
                var awaitsAfter = StructuredFacts.OwnNodes(scope[j]).Any(n => n.SpanStart > start.Span.End && IsCancelPointNode(n, model, facts, context.CancellationToken));
                for (var k = j + 1; k < scope.Count && !awaitsAfter; k++)
                {
                    awaitsAfter = facts.HasCancelPoint(scope[k], model, context.CancellationToken);
                }
                if (!awaitsAfter)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR111, use.GetLocation(), local.Name));
                    return;
                }
            }
        }
    }

    /// <summary>An await, an await foreach, or a call of Checkpoint.ThrowIfCancelled (the awaits inside a call are nodes of their own).</summary>
    private static bool IsCancelPointNode(SyntaxNode node, SemanticModel model, StructuredFacts facts, CancellationToken ct) =>
        node is AwaitExpressionSyntax or CommonForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } ||
        node is InvocationExpressionSyntax && model.GetSymbolInfo(node, ct).Symbol is IMethodSymbol m && StructuredFacts.IsMethodOf(m, facts.Checkpoint, "ThrowIfCancelled");
}
