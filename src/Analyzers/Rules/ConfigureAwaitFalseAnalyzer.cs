using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>STR105: ConfigureAwait(false) in code that uses Structured (it resumes off the Loop).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConfigureAwaitFalseAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR105);

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
        if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } access ||
            invocation.ArgumentList.Arguments.Count != 1 ||
            !invocation.ArgumentList.Arguments[0].Expression.IsKind(SyntaxKind.FalseLiteralExpression))
        {
            return;
        }
        // x.ConfigureAwait(false).GetAwaiter().OnCompleted(callback): a hand-written completion hook, no method resumes
        // after it (the callback decides where its work runs), so nothing leaves the Loop.
        if (invocation.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" })
        {
            return;
        }
        if (!facts.InStructuredCode(invocation, context.SemanticModel, context.Options, context.CancellationToken) ||
            context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol method ||
            method.ContainingNamespace?.ToDisplayString() is not ("System.Threading.Tasks" or "System.Runtime.CompilerServices"))
        {
            return;
        }
        var location = Location.Create(invocation.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(access.OperatorToken.SpanStart, invocation.Span.End));
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR105, location));
    }
}
