using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using static Structured.Analyzers.FlowGraphs;

namespace Structured.Analyzers;

/// <summary>
/// STR110: a function with an IStarted / IStarted&lt;T&gt; parameter that has a path from its start to a normal
/// return on which it never calls Started (or that never calls it at all).
/// </summary>
/// <remarks>
/// Path-sensitive on the control flow graph. Paths that throw are fine (the error comes out of StartAsync);
/// a function that hands the parameter to other code (passes it on, stores it, captures it) is not judged.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class StartedNotCalledAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.STR110);

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
            // The body (a block, whose parent may be the method body operation); initializers and defaults are not.
            if (block is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation))
            {
                continue;
            }
            // Cheap filters first: a member that names nothing of Structured, or no IStarted anywhere in the block.
            if (block.SemanticModel is null || !facts.MemberUsesStructured(block.Syntax, block.SemanticModel, context.CancellationToken))
            {
                return;
            }
            var hasStartable = context.OwningSymbol is IMethodSymbol owner && owner.Parameters.Any(p => IsStarted(p.Type, facts)) ||
                block.Descendants().OfType<IAnonymousFunctionOperation>().Any(f => f.Symbol.Parameters.Any(p => IsStarted(p.Type, facts))) ||
                block.Descendants().OfType<ILocalFunctionOperation>().Any(f => f.Symbol.Parameters.Any(p => IsStarted(p.Type, facts)));
            if (!hasStartable)
            {
                continue;
            }
            var graph = context.GetControlFlowGraph(block);
            if (context.OwningSymbol is IMethodSymbol method)
            {
                Check(graph, method, context, facts, new LocalFunctionNames());
            }
            return;
        }
    }

    private static bool IsStarted(ITypeSymbol type, StructuredFacts facts) =>
        StructuredFacts.Is(type.OriginalDefinition, facts.IStarted) || StructuredFacts.Is(type.OriginalDefinition, facts.IStartedOfT);

    private static void Check(ControlFlowGraph graph, IMethodSymbol function, OperationBlockAnalysisContext context, StructuredFacts facts,
        LocalFunctionNames localNames)
    {
        // An optional or nullable IStarted (started?.Started()) is a function that may run without StartAsync.
        foreach (var parameter in function.Parameters.Where(p => IsStarted(p.Type, facts) && !p.HasExplicitDefaultValue &&
            p.NullableAnnotation != NullableAnnotation.Annotated))
        {
            if (!Escapes(graph, parameter) && CanFinishWithoutStarted(graph, parameter, localNames))
            {
                var location = parameter.Locations.FirstOrDefault();
                if (location is not null && location.IsInSource)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR110, location, parameter.Name));
                }
            }
        }
        foreach (var nested in AnonymousFunctions(graph))
        {
            Check(graph.GetAnonymousFunctionControlFlowGraph(nested, context.CancellationToken), nested.Symbol, context, facts, localNames);
        }
        // A startable that is a local function: await nursery.StartAsync(ServeAsync); async Task ServeAsync(IStarted started) { ... }
        foreach (var local in graph.LocalFunctions)
        {
            Check(graph.GetLocalFunctionControlFlowGraph(local, context.CancellationToken), local, context, facts, localNames);
        }
    }

    /// <summary>
    /// <c>started.Started(...)</c>; a helper given the parameter (<c>Ready(started)</c>, judged as calling it); a call of a
    /// local function that names the parameter (it captures it, and is taken to call it).
    /// </summary>
    private static bool IsStartedCall(IOperation operation, IParameterSymbol parameter, LocalFunctionNames localNames)
    {
        if (operation is not IInvocationOperation call)
        {
            return false;
        }
        if (call.TargetMethod.Name == "Started" && call.Instance is IParameterReferenceOperation reference &&
            SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
        {
            return true;
        }
        if (call.Arguments.Any(a => a.Value is IParameterReferenceOperation r && SymbolEqualityComparer.Default.Equals(r.Parameter, parameter)))
        {
            return true;
        }
        return call.TargetMethod.MethodKind == MethodKind.LocalFunction && localNames.Of(call.TargetMethod).Contains(parameter.Name);
    }

    /// <summary>
    /// The parameter is handed to code that may call Started later, elsewhere: stored, captured by a lambda, given to a
    /// constructor. (Given to a method, it counts as the call itself: see <see cref="IsStartedCall"/>.)
    /// </summary>
    private static bool Escapes(ControlFlowGraph graph, IParameterSymbol parameter)
    {
        foreach (var operation in graph.Blocks.SelectMany(OperationsOf).SelectMany(o => o.DescendantsAndSelf()))
        {
            if (operation is IParameterReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter) &&
                !(reference.Parent is IInvocationOperation { TargetMethod.Name: "Started" } call && call.Instance == reference) &&
                !(reference.Parent is IArgumentOperation { Parent: IInvocationOperation }))
            {
                return true;
            }
            if (operation is IFlowAnonymousFunctionOperation lambda && Captures(lambda, parameter))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether the lambda names the parameter (by name: the graph's operations carry no semantic model).</summary>
    private static bool Captures(IFlowAnonymousFunctionOperation lambda, IParameterSymbol parameter) =>
        lambda.Syntax.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>()
            .Any(n => n.Identifier.ValueText == parameter.Name);

    private static bool CanFinishWithoutStarted(ControlFlowGraph graph, IParameterSymbol parameter, LocalFunctionNames localNames)
    {
        // Where each block first calls Started (-1: nowhere), found once for the walk, which may visit a block again.
        var firstCall = graph.Blocks.Select(b => Array.FindIndex(OperationsOf(b).ToArray(),
            o => o.DescendantsAndSelf().Any(d => IsStartedCall(d, parameter, localNames)))).ToArray();
        var calls = new HashSet<int>(graph.Blocks.Where(b => firstCall[b.Ordinal] >= 0).Select(b => b.Ordinal));
        var seen = new HashSet<int>();
        var work = new Stack<BasicBlock>();
        work.Push(graph.Blocks[0]);
        while (work.Count > 0)
        {
            var block = work.Pop();
            if (!seen.Add(block.Ordinal))
            {
                continue;
            }
            if (block.Kind == BasicBlockKind.Exit)
            {
                return true;
            }
            // Code before the Started call that can throw may enter a catch handler of an enclosing try, which may
            // return before Started: catch (IOException) { return; }.
            var ops = OperationsOf(block).ToArray();
            var first = firstCall[block.Ordinal];
            if (ops.Take(first < 0 ? ops.Length : first).Any(o => o.DescendantsAndSelf().Any(d => d is IInvocationOperation or IAwaitOperation or IObjectCreationOperation or IThrowOperation)))
            {
                foreach (var handler in Handlers(block))
                {
                    work.Push(graph.Blocks[handler]);
                }
            }
            if (calls.Contains(block.Ordinal))
            {
                continue;
            }
            foreach (var branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
            {
                if (branch?.Destination is { } next && !branch.FinallyRegions.Any(r => CallsIn(graph, r, calls)))
                {
                    // A function that never calls Started and can loop forever leaves StartAsync waiting forever.
                    if (calls.Count == 0 && next.Ordinal <= block.Ordinal)
                    {
                        return true;
                    }
                    work.Push(next);
                }
            }
        }
        return false;
    }

    private static bool CallsIn(ControlFlowGraph graph, ControlFlowRegion region, HashSet<int> calls)
    {
        for (var i = region.FirstBlockOrdinal; i <= region.LastBlockOrdinal; i++)
        {
            if (calls.Contains(i))
            {
                return true;
            }
        }
        return false;
    }
}
