using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR108: a while or do loop whose body only sleeps (Time.SleepAsync, Time.SleepUntilAsync, Task.Delay) while
/// its condition polls something (flake8-async ASYNC110).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BusyWaitAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR108);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
            start.RegisterSyntaxNodeAction(c => Analyze(c, facts), SyntaxKind.WhileStatement, SyntaxKind.DoStatement));
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var (condition, body, keyword) = context.Node switch
        {
            WhileStatementSyntax w => (w.Condition, w.Statement, w.WhileKeyword),
            DoStatementSyntax d => (d.Condition, d.Statement, d.DoKeyword),
            _ => default,
        };
        // while (true) { await Time.SleepAsync(...); } is a timer, not a poll.
        if (condition is null || condition.IsKind(SyntaxKind.TrueLiteralExpression) ||
            !facts.InStructuredCode(context.Node, context.SemanticModel, context.Options, context.CancellationToken))
        {
            return;
        }
        var statements = body is BlockSyntax block ? block.Statements : new SyntaxList<StatementSyntax>(body);
        if (statements.Count == 0 || !statements.All(s => IsSleep(s, context, facts)))
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR108, keyword.GetLocation()));
    }

    private static bool IsSleep(StatementSyntax statement, SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        if (statement is not ExpressionStatementSyntax { Expression: AwaitExpressionSyntax await } ||
            StructuredFacts.Awaited(await) is not InvocationExpressionSyntax call ||
            context.SemanticModel.GetSymbolInfo(call, context.CancellationToken).Symbol is not IMethodSymbol method)
        {
            return false;
        }
        return StructuredFacts.IsMethodOf(method, facts.Time, "SleepAsync") || StructuredFacts.IsMethodOf(method, facts.Time, "SleepUntilAsync") ||
            StructuredFacts.IsMethodOf(method, facts.Task, "Delay");
    }
}
