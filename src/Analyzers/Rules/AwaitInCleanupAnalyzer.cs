using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR102: a Structured checkpoint awaited in a finally block or in a catch of the cancellation, outside a
/// shielded cancel scope (flake8-async ASYNC102).
/// </summary>
/// <remarks>
/// Only awaits of Structured operations (or of calls given a cancel scope's token) count: an await of an
/// ordinary Task is not a cancel point and completes normally in a cancelled scope.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AwaitInCleanupAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR102);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
            start.RegisterSyntaxNodeAction(c => Analyze(c, facts), SyntaxKind.AwaitExpression));
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var await = (AwaitExpressionSyntax)context.Node;
        // Cheap syntactic filter first: most awaits are in no finally block or catch clause at all.
        if (!await.Ancestors().Any(a => a is FinallyClauseSyntax or CatchClauseSyntax))
        {
            return;
        }
        var model = context.SemanticModel;
        var ct = context.CancellationToken;
        if (!facts.MemberUsesStructured(await, model, ct))
        {
            return;
        }
        if (StructuredFacts.Awaited(await) is not InvocationExpressionSyntax awaited ||
            model.GetSymbolInfo(awaited, ct).Symbol is not IMethodSymbol method)
        {
            return;
        }
        // Entering a scope or a nursery is not a checkpoint: the awaits in their bodies are judged themselves.
        // Members the library marks [NotACheckpoint] (a channel end's DisposeAsync) never throw Cancelled.
        if (IsInlineBodyCall(method, facts) || StructuredFacts.IsNotACheckpoint(method))
        {
            return;
        }
        if (!(StructuredFacts.IsStructuredSymbol(method) && IsPublic(method)) && !PassesScopeToken(awaited, model, facts, ct))
        {
            return;
        }
        var place = CleanupPlace(await, model, facts, ct);
        if (place is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR102, await.GetLocation(), method.Name, place));
        }
    }

    /// <summary>
    /// Structured's public operations are its checkpoints; the library's own internal helpers (which shield
    /// themselves where needed) are not judged by their namespace.
    /// </summary>
    private static bool IsPublic(ISymbol symbol)
    {
        for (var s = symbol; s is not null and not INamespaceSymbol; s = s.ContainingSymbol)
        {
            if (s.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsInlineBodyCall(IMethodSymbol method, StructuredFacts facts) =>
        method.Name == "RunAsync" && (StructuredFacts.Is(method.ContainingType, facts.CancelScope) || StructuredFacts.Is(method.ContainingType, facts.Nursery)) ||
        StructuredFacts.IsMethodOf(method, facts.CancelScope, "FailAfter") || StructuredFacts.IsMethodOf(method, facts.CancelScope, "FailAt");

    private static bool PassesScopeToken(InvocationExpressionSyntax invocation, SemanticModel model, StructuredFacts facts, CancellationToken ct) =>
        invocation.ArgumentList.Arguments.Any(a => facts.IsScopeToken(a.Expression, model, ct));

    /// <summary>"a finally block" or "a catch of the cancellation" when the await runs there unshielded, else null.</summary>
    private static string? CleanupPlace(SyntaxNode await, SemanticModel model, StructuredFacts facts, CancellationToken ct)
    {
        for (var n = await.Parent; n is not null; n = n.Parent)
        {
            switch (n)
            {
                case FinallyClauseSyntax:
                    return "a finally block";
                case CatchClauseSyntax { Declaration: var declaration } when
                    declaration?.Type is { } type && facts.IsCancellationType(model.GetTypeInfo(type, ct).Type):
                    return "a catch of the cancellation";
                case AnonymousFunctionExpressionSyntax lambda:
                    // A body that a scope or nursery runs inline, in place: keep looking outward, unless it is shielded.
                    if (lambda.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } &&
                        model.GetSymbolInfo(call, ct).Symbol is IMethodSymbol m && IsInlineBodyCall(m, facts))
                    {
                        if (m.Name == "RunAsync" && call.Expression is MemberAccessExpressionSyntax access && !IsKnownUnshielded(access.Expression, model, facts, ct))
                        {
                            return null;
                        }
                        continue;
                    }
                    return null;
                case var f when StructuredFacts.IsFunction(f):
                    return null;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether the scope is sure not to be shielded: <c>new CancelScope(...)</c> without <c>shield: true</c> or an
    /// initializer setting <c>Shield = true</c>, <c>CancelScope.MoveOnAfter</c> / <c>MoveOnAt</c>, or a local
    /// initialised so whose <c>Shield</c> is not set in its block. A scope from anywhere else (a field, a parameter,
    /// a helper's result) may be shielded: it is given the benefit of the doubt.
    /// </summary>
    private static bool IsKnownUnshielded(ExpressionSyntax scope, SemanticModel model, StructuredFacts facts, CancellationToken ct)
    {
        while (scope is ParenthesizedExpressionSyntax p)
        {
            scope = p.Expression;
        }
        switch (scope)
        {
            case BaseObjectCreationExpressionSyntax creation:
                if (model.GetSymbolInfo(creation, ct).Symbol is not IMethodSymbol constructor || !StructuredFacts.Is(constructor.ContainingType, facts.CancelScope))
                {
                    return false;
                }
                var args = creation.ArgumentList?.Arguments ?? default;
                var shieldIndex = constructor.Parameters.IndexOf(constructor.Parameters.FirstOrDefault(p => p.Name == "shield")!);
                for (var i = 0; i < args.Count; i++)
                {
                    var named = args[i].NameColon?.Name.Identifier.ValueText;
                    if ((named == "shield" || named is null && i == shieldIndex) && !args[i].Expression.IsKind(SyntaxKind.FalseLiteralExpression))
                    {
                        return false;
                    }
                }
                return creation.Initializer?.Expressions.OfType<AssignmentExpressionSyntax>().Any(a =>
                    a.Left is IdentifierNameSyntax { Identifier.ValueText: "Shield" } && !a.Right.IsKind(SyntaxKind.FalseLiteralExpression)) != true;
            case InvocationExpressionSyntax invocation:
                return model.GetSymbolInfo(invocation, ct).Symbol is IMethodSymbol factory &&
                    StructuredFacts.Is(factory.ContainingType, facts.CancelScope) && factory.Name is "MoveOnAfter" or "MoveOnAt";
            case IdentifierNameSyntax id when model.GetSymbolInfo(id, ct).Symbol is ILocalSymbol local:
                foreach (var reference in local.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(ct) is not VariableDeclaratorSyntax { Initializer.Value: { } init } declarator ||
                        !IsKnownUnshielded(init, model, facts, ct))
                    {
                        return false;
                    }
                    var block = declarator.FirstAncestorOrSelf<BlockSyntax>();
                    if (block is not null && block.DescendantNodes().OfType<AssignmentExpressionSyntax>().Any(a =>
                        a.Left is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Shield", Expression: IdentifierNameSyntax target } &&
                        target.Identifier.ValueText == local.Name))
                    {
                        return false;
                    }
                }
                return local.DeclaringSyntaxReferences.Length > 0;
            default:
                return false;
        }
    }
}
