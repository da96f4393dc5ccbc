using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR106: a blocking call in an async method or lambda of code that uses Structured: Thread.Sleep,
/// Task.Wait/WaitAll/WaitAny, .Result and GetAwaiter().GetResult() of a task that has not been awaited.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingCallAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR106);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
        {
            start.RegisterSyntaxNodeAction(c => AnalyzeInvocation(c, facts), SyntaxKind.InvocationExpression);
            start.RegisterSyntaxNodeAction(c => AnalyzeResult(c, facts), SyntaxKind.SimpleMemberAccessExpression);
        });
    }

    private static void AnalyzeInvocation(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Sleep" or "Wait" or "WaitAll" or "WaitAny" or "GetResult" } access ||
            !StructuredFacts.IsAsyncFunction(StructuredFacts.EnclosingFunction(invocation)) ||
            !facts.InStructuredCode(invocation, context.SemanticModel, context.Options, context.CancellationToken) ||
            context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol method)
        {
            return;
        }
        string? instead = null;
        if (method.Name == "Sleep" && StructuredFacts.Is(method.ContainingType, facts.Thread))
        {
            instead = "'await Time.SleepAsync(...)'";
        }
        else if (method.Name is "Wait" or "WaitAll" or "WaitAny" && StructuredFacts.Is(method.ContainingType?.OriginalDefinition, facts.Task))
        {
            if (method.Name == "Wait" && AwaitedBefore(access.Expression, invocation, context))
            {
                return;
            }
            instead = method.Name == "Wait" ? "'await'" : "'await Task.When" + method.Name.Substring(4) + "(...)' or a nursery";
        }
        else if (method.Name == "GetResult" && access.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } getAwaiter } &&
            facts.IsTaskLike(context.SemanticModel.GetTypeInfo(getAwaiter.Expression, context.CancellationToken).Type))
        {
            if (AwaitedBefore(getAwaiter.Expression, invocation, context))
            {
                return;
            }
            instead = "'await'";
        }
        if (instead is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR106, invocation.GetLocation(), invocation.ToString(), instead));
        }
    }

    private static void AnalyzeResult(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var access = (MemberAccessExpressionSyntax)context.Node;
        if (access.Name.Identifier.ValueText != "Result" ||
            !StructuredFacts.IsAsyncFunction(StructuredFacts.EnclosingFunction(access)) ||
            !facts.InStructuredCode(access, context.SemanticModel, context.Options, context.CancellationToken) ||
            context.SemanticModel.GetSymbolInfo(access, context.CancellationToken).Symbol is not IPropertySymbol property ||
            !facts.IsTaskLike(property.ContainingType) ||
            AwaitedBefore(access.Expression, access, context) ||
            !facts.InStructuredCode(access, context.SemanticModel, context.Options, context.CancellationToken))
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR106, access.GetLocation(), access.ToString(), "'await'"));
    }

    /// <summary>
    /// Whether the task (a local, parameter or field) is named in an await earlier in the same function, as in
    /// <c>await Task.WhenAll(a, b); use(a.Result);</c>: then it has completed and reading it does not block.
    /// </summary>
    private static bool AwaitedBefore(ExpressionSyntax task, SyntaxNode use, SyntaxNodeAnalysisContext context)
    {
        var symbol = context.SemanticModel.GetSymbolInfo(task, context.CancellationToken).Symbol;
        if (symbol is not (ILocalSymbol or IParameterSymbol or IFieldSymbol) || StructuredFacts.EnclosingFunction(use) is not { } function)
        {
            return false;
        }
        foreach (var await in StructuredFacts.OwnNodes(function).OfType<AwaitExpressionSyntax>())
        {
            if (await.SpanStart < use.SpanStart &&
                await.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == symbol.Name &&
                    SymbolEqualityComparer.Default.Equals(context.SemanticModel.GetSymbolInfo(n, context.CancellationToken).Symbol, symbol)))
            {
                return true;
            }
        }
        return false;
    }
}
