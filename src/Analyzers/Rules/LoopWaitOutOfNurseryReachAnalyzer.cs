using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR113: a loop of a nursery body (the lambda given to Nursery.RunAsync, or a function with a Nursery parameter,
/// such as a StructuredService's RunAsync) that starts children in that nursery and whose only waits ignore the
/// nursery's cancellation: a call into another library given no token, or given a token that no cancel scope
/// reaches (<c>await queue.Reader.ReadAsync(hostToken)</c>).
/// </summary>
/// <remarks>
/// Reachable, so not reported: an await of a Structured operation (other than a <c>[NotACheckpoint]</c> one), a
/// call given a scope's token (<see cref="StructuredFacts.IsScopeToken"/>: <c>CancelScope.CurrentToken</c>, the
/// <c>ct</c> of <c>StartSoon(ct =&gt; ...)</c>, a StructuredService's <c>stopping</c>, a token linked to one of them), a
/// call of the compilation's own source that is given no token (judged where it is declared), an await that is not
/// a call (a task variable). A loop with any reachable wait is not reported.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoopWaitOutOfNurseryReachAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR113);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
            start.RegisterSyntaxNodeAction(c => Analyze(c, facts), SyntaxKind.WhileStatement, SyntaxKind.DoStatement,
                SyntaxKind.ForStatement, SyntaxKind.ForEachStatement));
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var loop = (StatementSyntax)context.Node;
        var model = context.SemanticModel;
        var ct = context.CancellationToken;
        // Cheap syntax first: the loop starts a child (StartSoon / StartAsync) itself, not in a nested function.
        var own = StructuredFacts.OwnNodes(loop).ToList();
        var starts = own.OfType<InvocationExpressionSyntax>().Where(i =>
            i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StartSoon" or "StartAsync" }).ToList();
        if (starts.Count == 0 || !facts.MemberUsesStructured(loop, model, ct) ||
            !starts.Any(s => model.GetSymbolInfo(s, ct).Symbol is IMethodSymbol m && StructuredFacts.Is(m.ContainingType, facts.Nursery)) ||
            !IsNurseryBody(StructuredFacts.EnclosingFunction(loop), model, facts, ct))
        {
            return;
        }
        var waits = new List<ExpressionSyntax>();
        if (loop is ForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } awaitForEach)
        {
            waits.Add(awaitForEach.Expression);
        }
        waits.AddRange(own.OfType<AwaitExpressionSyntax>().Select(StructuredFacts.Awaited));
        string? unreachable = null;
        foreach (var wait in waits)
        {
            switch (Classify(wait, model, facts, ct))
            {
                case Reach.Reachable:
                    return;
                case Reach.Unreachable:
                    unreachable ??= Describe(wait);
                    break;
            }
        }
        if (unreachable is not null)
        {
            var location = loop switch
            {
                WhileStatementSyntax w => w.WhileKeyword.GetLocation(),
                DoStatementSyntax d => d.DoKeyword.GetLocation(),
                ForStatementSyntax f => f.ForKeyword.GetLocation(),
                ForEachStatementSyntax f => f.ForEachKeyword.GetLocation(),
                _ => loop.GetLocation(),
            };
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR113, location, unreachable));
        }
    }

    private enum Reach
    {
        Reachable,
        Unreachable,
        NotAWait,
    }

    private static string Describe(ExpressionSyntax wait) =>
        wait is InvocationExpressionSyntax call ? call.Expression.ToString() : wait.ToString();

    private static Reach Classify(ExpressionSyntax wait, SemanticModel model, StructuredFacts facts, CancellationToken ct)
    {
        if (wait is not InvocationExpressionSyntax call || model.GetSymbolInfo(call, ct).Symbol is not IMethodSymbol method)
        {
            return Reach.Reachable;
        }
        switch (StructuredFacts.IsCheckpointCallee(method))
        {
            case false:
                return Reach.NotAWait;
            case true:
                return Reach.Reachable;
        }
        var tokens = call.ArgumentList.Arguments.Where(a => StructuredFacts.Is(model.GetTypeInfo(a.Expression, ct).Type, facts.CancellationToken)).ToList();
        if (tokens.Any(a => facts.IsScopeToken(a.Expression, model, ct)))
        {
            return Reach.Reachable;
        }
        if (tokens.Count > 0)
        {
            return Reach.Unreachable;
        }
        // No token: the compilation's own code is judged where it is declared; another library's wait ignores the scope.
        return method.Locations.Any(l => l.IsInSource) ? Reach.Reachable : Reach.Unreachable;
    }

    /// <summary>The lambda given to Nursery.RunAsync, or a method, local function or lambda with a Nursery parameter.</summary>
    private static bool IsNurseryBody(SyntaxNode? function, SemanticModel model, StructuredFacts facts, CancellationToken ct)
    {
        if (function is null)
        {
            return false;
        }
        if (function is AnonymousFunctionExpressionSyntax { Parent: ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } } &&
            model.GetSymbolInfo(call, ct).Symbol is IMethodSymbol runAsync && StructuredFacts.IsMethodOf(runAsync, facts.Nursery, "RunAsync"))
        {
            return true;
        }
        var symbol = function is AnonymousFunctionExpressionSyntax ? model.GetSymbolInfo(function, ct).Symbol : model.GetDeclaredSymbol(function, ct);
        return symbol is IMethodSymbol m && m.Parameters.Any(p => StructuredFacts.Is(p.Type, facts.Nursery));
    }
}
