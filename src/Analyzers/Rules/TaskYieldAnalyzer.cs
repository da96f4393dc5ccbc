using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>STR104: Task.Yield() or Task.Delay(0) in code that uses Structured; Checkpoint.YieldAsync() is the checkpoint.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TaskYieldAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR104);

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
        if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Yield" or "Delay" } ||
            !facts.InStructuredCode(invocation, context.SemanticModel, context.Options, context.CancellationToken) ||
            context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol method ||
            !StructuredFacts.Is(method.ContainingType, facts.Task))
        {
            return;
        }
        if (method.Name == "Delay" && !(invocation.ArgumentList.Arguments.Count == 1 && IsZero(invocation.ArgumentList.Arguments[0].Expression, context, facts)))
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR104, invocation.GetLocation(), invocation.ToString()));
    }

    private static bool IsZero(ExpressionSyntax argument, SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var constant = context.SemanticModel.GetConstantValue(argument, context.CancellationToken);
        if (constant.HasValue)
        {
            return constant.Value is 0;
        }
        return argument is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Zero" } zero &&
            context.SemanticModel.GetSymbolInfo(zero, context.CancellationToken).Symbol is IFieldSymbol field && StructuredFacts.Is(field.ContainingType, facts.TimeSpan);
    }
}
