using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR109: Nursery.RunAsync whose body only starts one child (StartSoon or StartAsync) that does not use the
/// nursery, and does nothing else (flake8-async ASYNC112).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SingleChildNurseryAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR109);

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
        if (StructuredFacts.RunAsyncLambda(invocation) is not { } lambda ||
            NurseryParameter(lambda) is not { } nursery ||
            !facts.IsNurseryRunAsync(invocation, context.SemanticModel, context.CancellationToken))
        {
            return;
        }
        var statements = lambda.Body switch
        {
            BlockSyntax block => block.Statements.Where(s => !IsTrivialReturn(s)).ToList(),
            ExpressionSyntax e => new List<StatementSyntax> { SyntaxFactory.ExpressionStatement(e) },
            _ => new List<StatementSyntax>(),
        };
        if (statements.Count != 1 || statements[0] is not ExpressionStatementSyntax { Expression: var only })
        {
            return;
        }
        if (only is AwaitExpressionSyntax await)
        {
            only = await.Expression;
        }
        if (only is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StartSoon" or "StartAsync", Expression: IdentifierNameSyntax receiver } } start ||
            receiver.Identifier.ValueText != nursery ||
            start.ArgumentList.Arguments.Any(a => a.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == nursery)))
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR109, invocation.Expression.GetLocation()));
    }

    private static string? NurseryParameter(AnonymousFunctionExpressionSyntax lambda) => lambda switch
    {
        SimpleLambdaExpressionSyntax s => s.Parameter.Identifier.ValueText,
        ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: 1 } p => p.ParameterList.Parameters[0].Identifier.ValueText,
        _ => null,
    };

    /// <summary><c>return;</c>, <c>return Task.CompletedTask;</c>, or <c>await Task.CompletedTask;</c> (written to silence CS1998).</summary>
    private static bool IsTrivialReturn(StatementSyntax statement) =>
        statement is ReturnStatementSyntax { Expression: null } ||
        statement is ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CompletedTask" } } } ||
        statement is ReturnStatementSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CompletedTask" } };
}
