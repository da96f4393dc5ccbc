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
            if (method.Name == "Wait" && AwaitedBefore(TaskOf(access.Expression), invocation, context, facts))
            {
                return;
            }
            instead = method.Name == "Wait" ? "'await'" : "'await Task.When" + method.Name.Substring(4) + "(...)' or a nursery";
        }
        else if (method.Name == "GetResult" && access.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } getAwaiter } &&
            facts.IsTaskLike(context.SemanticModel.GetTypeInfo(getAwaiter.Expression, context.CancellationToken).Type))
        {
            if (AwaitedBefore(TaskOf(getAwaiter.Expression), invocation, context, facts))
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
            AwaitedBefore(TaskOf(access.Expression), access, context, facts))
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR106, access.GetLocation(), access.ToString(), "'await'"));
    }

    /// <summary>
    /// Whether the task is known to have completed where it is read, so reading it does not block:
    /// <list type="bullet">
    /// <item>it (a local, parameter or field), or the collection it is an element of (<c>tasks[i]</c>, the variable of
    /// a <c>foreach</c> over <c>tasks</c>), is named in an earlier await of the same function, as in
    /// <c>await Task.WhenAll(tasks)</c>, except an await of <c>Task.WhenAny</c> (only one of its tasks is complete);</item>
    /// <item>it is the result of <c>await Task.WhenAny(...)</c> (a local initialised so, or the expression itself);</item>
    /// <item>its <c>IsCompleted</c>, <c>IsCompletedSuccessfully</c>, <c>IsFaulted</c>, <c>IsCanceled</c> or <c>Status</c> is
    /// read earlier in the function or in the condition around the read (a fast path).</item>
    /// </list>
    /// </summary>
    private static bool AwaitedBefore(ExpressionSyntax task, SyntaxNode use, SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var model = context.SemanticModel;
        var ct = context.CancellationToken;
        while (task is ParenthesizedExpressionSyntax p)
        {
            task = p.Expression;
        }
        if (task is AwaitExpressionSyntax direct && IsWhenAny(direct, model, facts, ct))
        {
            return true;
        }
        if (StructuredFacts.EnclosingFunction(use) is not { } function)
        {
            return false;
        }
        var symbol = model.GetSymbolInfo(task, ct).Symbol;
        if (symbol is not (ILocalSymbol or IParameterSymbol or IFieldSymbol))
        {
            return false;
        }
        if (symbol is ILocalSymbol local && local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is VariableDeclaratorSyntax { Initializer.Value: AwaitExpressionSyntax init } &&
            IsWhenAny(init, model, facts, ct))
        {
            return true;
        }
        var own = StructuredFacts.OwnNodes(function).Where(n => n.SpanStart < use.SpanStart).ToList();
        // A fast path: the task's state is read before (if (t.IsCompleted) ..., if (!t.IsCompletedSuccessfully) return ...).
        if (own.OfType<MemberAccessExpressionSyntax>().Any(m => m.Name.Identifier.ValueText is "IsCompleted" or "IsCompletedSuccessfully" or "IsFaulted" or "IsCanceled" or "Status" &&
            SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(m.Expression, ct).Symbol, symbol)))
        {
            return true;
        }
        var names = new List<ISymbol> { symbol };
        // tasks[i] is not a symbol of its own; the variable of foreach (var t in tasks) stands for the elements of tasks.
        if (symbol is ILocalSymbol element && element.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is ForEachStatementSyntax loop &&
            model.GetSymbolInfo(loop.Expression, ct).Symbol is { } collection)
        {
            names.Add(collection);
        }
        return own.OfType<AwaitExpressionSyntax>().Any(a => !IsWhenAny(a, model, facts, ct) &&
            a.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => names.Any(s => s.Name == n.Identifier.ValueText) &&
                names.Contains(model.GetSymbolInfo(n, ct).Symbol, SymbolEqualityComparer.Default)));
    }

    private static bool IsWhenAny(AwaitExpressionSyntax await, SemanticModel model, StructuredFacts facts, CancellationToken ct) =>
        StructuredFacts.Awaited(await) is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WhenAny" } } call &&
        model.GetSymbolInfo(call, ct).Symbol is IMethodSymbol method && StructuredFacts.Is(method.ContainingType, facts.Task);

    /// <summary>The task a read is of: <c>tasks[i]</c> stands for <c>tasks</c>.</summary>
    private static ExpressionSyntax TaskOf(ExpressionSyntax expression) =>
        expression is ElementAccessExpressionSyntax element ? element.Expression : expression;
}
