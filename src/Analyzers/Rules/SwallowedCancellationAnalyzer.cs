using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR103: a catch that catches Structured's cancellation (catch {}, Exception, SystemException,
/// OperationCanceledException, Cancelled) around a cancel point and does not rethrow it on every path
/// (flake8-async ASYNC103, ASYNC104).
/// </summary>
/// <remarks>
/// Sure cases only: a catch with a filter (<c>when</c>) is not reported, nor one whose try block awaits
/// nothing, nor code that does not use Structured.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SwallowedCancellationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR103);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
            start.RegisterSyntaxNodeAction(c => Analyze(c, facts), SyntaxKind.CatchClause));
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var clause = (CatchClauseSyntax)context.Node;
        var model = context.SemanticModel;
        var ct = context.CancellationToken;
        if (clause.Filter is not null || clause.Parent is not TryStatementSyntax tryStatement ||
            !facts.InStructuredCode(clause, model, context.Options, ct))
        {
            return;
        }
        var caught = clause.Declaration is { } d ? model.GetTypeInfo(d.Type, ct).Type : null;
        if (!facts.CatchesCancelled(caught))
        {
            return;
        }
        // An earlier clause of the same try that rethrows the cancellation takes it first.
        foreach (var earlier in tryStatement.Catches)
        {
            if (earlier == clause)
            {
                break;
            }
            if (earlier.Filter is null && earlier.Declaration is { } ed &&
                facts.IsCancellationType(model.GetTypeInfo(ed.Type, ct).Type) && AlwaysRethrows(earlier, model, ct))
            {
                return;
            }
        }
        if (!facts.HasCancelPoint(tryStatement.Block, model, ct) || AlwaysRethrows(clause, model, ct) || Forwards(clause) ||
            GuardsCancellation(clause, model, facts, ct) ||
            ForForeignToken(clause, caught, tryStatement, model, facts, ct))
        {
            return;
        }
        var what = clause.Declaration is null ? "catch-all" : clause.Declaration.Type.ToString();
        var location = clause.Declaration is { } declared
            ? Location.Create(clause.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(declared.Type.SpanStart,
                declared.Identifier.IsKind(SyntaxKind.None) ? declared.Type.Span.End : declared.Identifier.Span.End))
            : clause.CatchKeyword.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR103, location, what));
    }

    /// <summary>
    /// The caught exception is handed on to be rethrown elsewhere: <c>ExceptionDispatchInfo.Capture(e)</c>,
    /// <c>tcs.SetException(e)</c> / <c>TrySetException(e)</c>, <c>return e;</c>, <c>error = e;</c>.
    /// </summary>
    private static bool Forwards(CatchClauseSyntax clause)
    {
        var variable = clause.Declaration?.Identifier.ValueText;
        if (variable is not { Length: > 0 })
        {
            return false;
        }
        bool IsCaught(ExpressionSyntax? e) => e is IdentifierNameSyntax id && id.Identifier.ValueText == variable;
        return StructuredFacts.OwnNodes(clause.Block).Any(n => n switch
        {
            InvocationExpressionSyntax call => call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Capture" or "SetException" or "TrySetException" } &&
                call.ArgumentList.Arguments.Any(a => IsCaught(a.Expression)),
            // return e; / result = e;: the exception is the outcome, handed to the caller or stored for later.
            ReturnStatementSyntax r => IsCaught(r.Expression),
            AssignmentExpressionSyntax a => IsCaught(a.Right),
            _ => false,
        });
    }

    /// <summary>
    /// <c>catch (OperationCanceledException)</c> around calls given an explicit token of the caller's own (not a
    /// cancel scope's): the catch is for that token's cancellation, which is the caller's to handle.
    /// </summary>
    private static bool ForForeignToken(CatchClauseSyntax clause, ITypeSymbol? caught, TryStatementSyntax tryStatement,
        SemanticModel model, StructuredFacts facts, CancellationToken ct)
    {
        if (caught is null || !StructuredFacts.Is(caught, facts.OperationCanceledException))
        {
            return false;
        }
        foreach (var argument in StructuredFacts.OwnNodes(tryStatement.Block).OfType<ArgumentSyntax>())
        {
            if (argument.Expression is LiteralExpressionSyntax or DefaultExpressionSyntax ||
                !StructuredFacts.Is(model.GetTypeInfo(argument.Expression, ct).Type, facts.CancellationToken))
            {
                continue;
            }
            var symbol = model.GetSymbolInfo(argument.Expression, ct).Symbol;
            var isScopeToken = facts.IsScopeToken(argument.Expression, model, ct);
            if (!isScopeToken && symbol?.Name != "None")
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The catch block starts (before any statement that can leave it) with a guard that rethrows every
    /// cancellation: <c>if (e is OperationCanceledException) throw;</c>, <c>if (e is Cancelled c) throw c;</c>,
    /// <c>if (e is OperationCanceledException) ExceptionDispatchInfo.Capture(e).Throw();</c> and their variants.
    /// </summary>
    private static bool GuardsCancellation(CatchClauseSyntax clause, SemanticModel model, StructuredFacts facts, CancellationToken ct)
    {
        var variable = clause.Declaration?.Identifier.ValueText;
        if (variable is not { Length: > 0 })
        {
            return false;
        }
        foreach (var statement in clause.Block.Statements)
        {
            if (statement is IfStatementSyntax guard && IsCancellationTest(guard.Condition, variable, model, facts, ct, out var alias))
            {
                var then = guard.Statement is BlockSyntax { Statements.Count: > 0 } b ? b.Statements.Last() : guard.Statement;
                if (IsRethrowStatement(then, variable) || alias is not null && IsRethrowStatement(then, alias))
                {
                    return true;
                }
            }
            if (StructuredFacts.OwnNodes(statement).Any(n => n is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax
                or GotoStatementSyntax or ThrowStatementSyntax or ThrowExpressionSyntax or YieldStatementSyntax))
            {
                return false;
            }
        }
        return false;
    }

    /// <summary><c>e is T</c>, <c>e is T name</c>, <c>e is T or U</c>, where a T catches Structured's cancellation.</summary>
    private static bool IsCancellationTest(ExpressionSyntax condition, string variable, SemanticModel model, StructuredFacts facts, CancellationToken ct, out string? alias)
    {
        alias = null;
        while (condition is ParenthesizedExpressionSyntax p)
        {
            condition = p.Expression;
        }
        switch (condition)
        {
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.IsExpression, Left: IdentifierNameSyntax left, Right: TypeSyntax type } when left.Identifier.ValueText == variable:
                return facts.CatchesCancelled(model.GetTypeInfo(type, ct).Type);
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression } or:
                return IsCancellationTest(or.Left, variable, model, facts, ct, out alias) || IsCancellationTest(or.Right, variable, model, facts, ct, out alias);
            case IsPatternExpressionSyntax { Expression: IdentifierNameSyntax left, Pattern: var pattern } when left.Identifier.ValueText == variable:
                return PatternCatches(pattern, model, facts, ct, ref alias);
            default:
                return false;
        }
    }

    private static bool PatternCatches(PatternSyntax pattern, SemanticModel model, StructuredFacts facts, CancellationToken ct, ref string? alias)
    {
        switch (pattern)
        {
            case DeclarationPatternSyntax { Designation: SingleVariableDesignationSyntax name, Type: var type }:
                alias = name.Identifier.ValueText;
                return facts.CatchesCancelled(model.GetTypeInfo(type, ct).Type);
            case TypePatternSyntax { Type: var type }:
                return facts.CatchesCancelled(model.GetTypeInfo(type, ct).Type);
            case ConstantPatternSyntax { Expression: var e }:
                return facts.CatchesCancelled(model.GetTypeInfo(e, ct).Type) && model.GetSymbolInfo(e, ct).Symbol is ITypeSymbol;
            case BinaryPatternSyntax { RawKind: (int)SyntaxKind.OrPattern } or:
                return PatternCatches(or.Left, model, facts, ct, ref alias) || PatternCatches(or.Right, model, facts, ct, ref alias);
            case ParenthesizedPatternSyntax p:
                return PatternCatches(p.Pattern, model, facts, ct, ref alias);
            default:
                return false;
        }
    }

    /// <summary><c>throw;</c>, <c>throw e;</c>, <c>ExceptionDispatchInfo.Capture(e).Throw();</c> or <c>ExceptionDispatchInfo.Throw(e);</c>.</summary>
    private static bool IsRethrowStatement(StatementSyntax statement, string variable) => statement switch
    {
        ThrowStatementSyntax t => IsRethrow(t.Expression, variable),
        ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call } => IsDispatchThrow(call, variable),
        _ => false,
    };

    private static bool IsDispatchThrow(InvocationExpressionSyntax call, string? variable) => call switch
    {
        { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Throw", Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Capture" } } capture } }
            => capture.ArgumentList.Arguments.Count == 1 && capture.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax id && id.Identifier.ValueText == variable,
        { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Throw", Expression: IdentifierNameSyntax { Identifier.ValueText: "ExceptionDispatchInfo" } or MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ExceptionDispatchInfo" } } }
            => call.ArgumentList.Arguments.Count == 1 && call.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax id && id.Identifier.ValueText == variable,
        _ => false,
    };

    /// <summary>Every path through the catch block ends in <c>throw;</c> or <c>throw e;</c> of the caught exception.</summary>
    internal static bool AlwaysRethrows(CatchClauseSyntax clause, SemanticModel model, CancellationToken ct)
    {
        var block = clause.Block;
        if (block.Statements.Count == 0)
        {
            return false;
        }
        // ExceptionDispatchInfo.Capture(e).Throw() as the last statement: the flow analysis does not know it never returns.
        var endsInDispatch = block.Statements.Last() is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax last } &&
            IsDispatchThrow(last, clause.Declaration?.Identifier.ValueText);
        var flow = model.AnalyzeControlFlow(block.Statements.First(), block.Statements.Last());
        if (flow is null || !flow.Succeeded || flow.EndPointIsReachable && !endsInDispatch || flow.ExitPoints.Any(p => p is not ThrowStatementSyntax))
        {
            return false;
        }
        var variable = clause.Declaration?.Identifier.ValueText;
        foreach (var node in StructuredFacts.OwnNodes(block))
        {
            if (node is ThrowStatementSyntax { Expression: var thrown } && !IsRethrow(thrown, variable) ||
                node is ThrowExpressionSyntax expression && !IsRethrow(expression.Expression, variable))
            {
                // A throw inside a nested try that catches it is not a way out; only count the ones that leave.
                if (!InsideNestedTry(node, block))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool IsRethrow(ExpressionSyntax? thrown, string? variable) =>
        thrown is null || variable is { Length: > 0 } && thrown is IdentifierNameSyntax id && id.Identifier.ValueText == variable;

    private static bool InsideNestedTry(SyntaxNode node, SyntaxNode block)
    {
        for (var n = node.Parent; n is not null && n != block; n = n.Parent)
        {
            if (n.Parent is TryStatementSyntax t && t.Block == n && t.Catches.Count > 0)
            {
                return true;
            }
        }
        return false;
    }
}
