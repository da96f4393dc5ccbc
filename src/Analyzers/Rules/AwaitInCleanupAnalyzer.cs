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
        if (IsInlineBodyCall(method, facts))
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
        invocation.ArgumentList.Arguments.Any(a => a.Expression.DescendantNodesAndSelf().OfType<SimpleNameSyntax>().Any(n =>
            n.Identifier.ValueText is "Token" or "CurrentToken" &&
            model.GetSymbolInfo(n, ct).Symbol is IPropertySymbol p && StructuredFacts.Is(p.ContainingType, facts.CancelScope)));

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
                        if (m.Name == "RunAsync" && call.Expression is MemberAccessExpressionSyntax access && IsShielded(access.Expression, model, ct))
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

    /// <summary>new CancelScope(..., shield: true), new CancelScope { Shield = true }, or a local initialised or set so.</summary>
    private static bool IsShielded(ExpressionSyntax scope, SemanticModel model, CancellationToken ct)
    {
        while (scope is ParenthesizedExpressionSyntax p)
        {
            scope = p.Expression;
        }
        switch (scope)
        {
            case BaseObjectCreationExpressionSyntax creation:
                var args = creation.ArgumentList?.Arguments ?? default;
                for (var i = 0; i < args.Count; i++)
                {
                    var named = args[i].NameColon?.Name.Identifier.ValueText;
                    if ((named == "shield" || named is null && i == 1) && args[i].Expression.IsKind(SyntaxKind.TrueLiteralExpression))
                    {
                        return true;
                    }
                }
                return creation.Initializer?.Expressions.OfType<AssignmentExpressionSyntax>().Any(a =>
                    a.Left is IdentifierNameSyntax { Identifier.ValueText: "Shield" } && a.Right.IsKind(SyntaxKind.TrueLiteralExpression)) == true;
            case IdentifierNameSyntax id when model.GetSymbolInfo(id, ct).Symbol is ILocalSymbol local:
                foreach (var reference in local.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(ct) is VariableDeclaratorSyntax { Initializer.Value: { } init } declarator)
                    {
                        if (IsShielded(init, model, ct))
                        {
                            return true;
                        }
                        var block = declarator.FirstAncestorOrSelf<BlockSyntax>();
                        if (block is not null && block.DescendantNodes().OfType<AssignmentExpressionSyntax>().Any(a =>
                            a.Left is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Shield", Expression: IdentifierNameSyntax target } &&
                            target.Identifier.ValueText == local.Name && a.Right.IsKind(SyntaxKind.TrueLiteralExpression)))
                        {
                            return true;
                        }
                    }
                }
                return false;
            default:
                return false;
        }
    }
}
