using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Structured.Analyzers;

/// <summary>
/// STR107: a task dropped on the floor in code that uses Structured: a call returning a Task used as
/// a statement (CS4014 covers it only in async methods) or assigned to the discard <c>_</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FireAndForgetAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR107);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
        {
            start.RegisterSyntaxNodeAction(c => Analyze(c, facts), SyntaxKind.ExpressionStatement);
            start.RegisterSyntaxNodeAction(c => AnalyzeLambda(c, facts), SyntaxKind.SimpleLambdaExpression, SyntaxKind.ParenthesizedLambdaExpression);
        });
    }

    /// <summary>
    /// <c>Assert.Throws(() => { _ = F(bad); })</c>: a lambda whose only statement discards the task exists to see
    /// what the call throws synchronously, not to run the task. (Without the discard, <c>list.ForEach(x => { SendAsync(x); })</c>,
    /// the task is dropped.)
    /// </summary>
    private static bool IsSynchronousCheckProbe(SyntaxNode statement) =>
        statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } } &&
        statement.Parent is BlockSyntax { Statements.Count: 1, Parent: AnonymousFunctionExpressionSyntax { Parent: ArgumentSyntax } };

    /// <summary>
    /// An expression-bodied lambda converted to a delegate that returns nothing (<c>Action</c>, a token callback:
    /// <c>token.Register(() =&gt; SendAsync(bye))</c>) whose body is a call returning a Task: the task is dropped.
    /// </summary>
    private static void AnalyzeLambda(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var lambda = (LambdaExpressionSyntax)context.Node;
        if (lambda.ExpressionBody is not InvocationExpressionSyntax invocation || lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword) ||
            !facts.InStructuredCode(lambda, context.SemanticModel, context.Options, context.CancellationToken))
        {
            return;
        }
        var type = context.SemanticModel.GetTypeInfo(invocation, context.CancellationToken).Type?.OriginalDefinition;
        if (!(StructuredFacts.Is(type, facts.Task) || StructuredFacts.Is(type, facts.TaskOfT)) ||
            context.SemanticModel.GetTypeInfo(lambda, context.CancellationToken).ConvertedType is not INamedTypeSymbol { DelegateInvokeMethod.ReturnsVoid: true })
        {
            return;
        }
        // A lambda given to an arbitrary method may be a probe of what the call throws synchronously
        // (Assert.Throws<ArgumentException>(() => F(bad)), a test's Expect(() => ...)): only callbacks known to run the
        // delegate for its effect are judged there.
        if (lambda.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } &&
            !(context.SemanticModel.GetSymbolInfo(call, context.CancellationToken).Symbol is IMethodSymbol target && IsCallbackRegistration(target, facts)))
        {
            return;
        }
        var name = invocation.Expression.ToString();
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR107, invocation.GetLocation(), name));
    }

    /// <summary>CancellationToken.Register / UnsafeRegister, List&lt;T&gt;.ForEach, Array.ForEach: they run the delegate for its effect.</summary>
    private static bool IsCallbackRegistration(IMethodSymbol method, StructuredFacts facts) =>
        method.Name is "Register" or "UnsafeRegister" && StructuredFacts.Is(method.ContainingType, facts.CancellationToken) ||
        method.Name == "ForEach" && (StructuredFacts.Is(method.ContainingType?.OriginalDefinition, facts.ListOfT) ||
            method.ContainingType?.SpecialType == SpecialType.System_Array);

    private static void Analyze(SyntaxNodeAnalysisContext context, StructuredFacts facts)
    {
        var expression = ((ExpressionStatementSyntax)context.Node).Expression;
        if (expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } discard } assignment &&
            context.SemanticModel.GetSymbolInfo(discard, context.CancellationToken).Symbol is null or IDiscardSymbol)
        {
            expression = assignment.Right;
        }
        else if (expression is not InvocationExpressionSyntax)
        {
            return;
        }
        while (expression is ParenthesizedExpressionSyntax p)
        {
            expression = p.Expression;
        }
        if (!facts.InStructuredCode(expression, context.SemanticModel, context.Options, context.CancellationToken))
        {
            return;
        }
        // ValueTask results that are dropped are CA2012's business (and the library's own pooled waiters rely on it).
        var type = context.SemanticModel.GetTypeInfo(expression, context.CancellationToken).Type?.OriginalDefinition;
        if (expression is not InvocationExpressionSyntax invocation ||
            !(StructuredFacts.Is(type, facts.Task) || StructuredFacts.Is(type, facts.TaskOfT)) ||
            IsSynchronousCheckProbe(context.Node))
        {
            return;
        }
        var name = invocation.Expression is MemberAccessExpressionSyntax m ? m.ToString() : invocation.Expression.ToString();
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR107, context.Node.GetLocation(), name));
    }
}
