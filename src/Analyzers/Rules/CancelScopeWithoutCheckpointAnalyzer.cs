using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>STR101: a cancel scope or timeout whose async body awaits nothing (flake8-async ASYNC100).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CancelScopeWithoutCheckpointAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR101);

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
        var name = invocation.Expression switch
        {
            MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => null,
        };
        if (name is not ("RunAsync" or "FailAfter" or "FailAt"))
        {
            return;
        }
        if (!facts.MemberUsesStructured(invocation, context.SemanticModel, context.CancellationToken) ||
            context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol method ||
            !StructuredFacts.Is(method.ContainingType, facts.CancelScope))
        {
            return;
        }
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (argument.Expression is AnonymousFunctionExpressionSyntax { AsyncKeyword.RawKind: (int)SyntaxKind.AsyncKeyword } body &&
                !facts.HasCancelPoint(body, context.SemanticModel, context.CancellationToken))
            {
                var what = name == "RunAsync" ? "cancel scope" : "CancelScope." + name;
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR101, invocation.Expression.GetLocation(), what));
            }
        }
    }
}
