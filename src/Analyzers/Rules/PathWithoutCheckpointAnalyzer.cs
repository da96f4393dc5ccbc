using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Structured.Analyzers;

/// <summary>
/// STR112: an async function of Structured code with a path that awaits no checkpoint (flake8-async ASYNC910,
/// ASYNC911, ASYNC913), on the control flow graph: a path from the start to a normal return; in an async
/// iterator, from the start or a <c>yield return</c> to the next <c>yield return</c>; an iteration of an
/// endless loop (<c>while (true)</c>, <c>for (;;)</c>, <c>do ... while (true)</c>).
/// </summary>
/// <remarks>
/// A checkpoint is an await (also of <c>await foreach</c>) of: a public Structured operation (every one is a
/// cancel point, DESIGN.md); a method or delegate of the compilation's own source (it is judged by this rule
/// itself, as flake8-async assumes of every await); a call given a cancel scope's token; any awaitable that is
/// not a call (a task variable: unknown, given the benefit of the doubt). An await of a call into other
/// libraries (Task.Delay, Task.Yield, Stream.ReadAsync, ...) is not: it ignores the cancel scope. Paths that
/// throw are fine; awaits in finally blocks do not count (they must be shielded, STR102, so they are not
/// cancel points). Reported only for functions that name Structured themselves or are given to a Structured
/// call (or everywhere with structured_analyzers.scope = all).
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class PathWithoutCheckpointAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property that tells the code fix where to insert the checkpoint.</summary>
    internal const string PlaceKey = "place";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR112);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        StructuredFacts.OnStructuredCompilation(context, (start, facts) =>
            start.RegisterOperationBlockAction(c => Analyze(c, facts)));
    }

    private static void Analyze(OperationBlockAnalysisContext context, StructuredFacts facts)
    {
        foreach (var block in context.OperationBlocks)
        {
            if (block is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation) || block.SemanticModel is null)
            {
                continue;
            }
            // Cheap filter: a body without any async function in it has nothing to judge.
            var owner = context.OwningSymbol as IMethodSymbol;
            if (owner?.IsAsync != true && !block.Syntax.DescendantNodes().Any(IsAsyncFunctionSyntax))
            {
                return;
            }
            // The graph is built only for members that name Structured (or with scope = all): see StructuredFacts.
            if (!facts.InStructuredCode(block.Syntax, block.SemanticModel, context.Options, context.CancellationToken))
            {
                return;
            }
            var graph = context.GetControlFlowGraph(block);
            var scan = new Scan(context, facts, block.SemanticModel);
            if (owner is not null)
            {
                scan.Function(graph, owner, owner.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken));
            }
            return;
        }
    }

    private static bool IsAsyncFunctionSyntax(SyntaxNode node) => node switch
    {
        AnonymousFunctionExpressionSyntax f => f.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
        LocalFunctionStatementSyntax f => f.Modifiers.Any(SyntaxKind.AsyncKeyword),
        _ => false,
    };
}
