using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
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
public sealed class PathWithoutCheckpointAnalyzer : DiagnosticAnalyzer
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

    private sealed class Scan(OperationBlockAnalysisContext context, StructuredFacts facts, SemanticModel model)
    {
        private readonly CancellationToken _ct = context.CancellationToken;

        public void Function(ControlFlowGraph graph, IMethodSymbol function, SyntaxNode? syntax)
        {
            // Main is awaited by nobody (the runtime blocks on it): there is no caller to expect a checkpoint.
            var isEntryPoint = function.IsStatic && function.Name == "Main" && function.MethodKind == MethodKind.Ordinary;
            if (function.IsAsync && syntax is not null && !syntax.IsKind(SyntaxKind.CompilationUnit) && !isEntryPoint)
            {
                Judge(graph, syntax);
            }
            foreach (var nested in graph.Blocks.SelectMany(OperationsOf).SelectMany(o => o.DescendantsAndSelf()).OfType<IFlowAnonymousFunctionOperation>())
            {
                Function(graph.GetAnonymousFunctionControlFlowGraph(nested, _ct), nested.Symbol, nested.Syntax);
            }
            foreach (var local in graph.LocalFunctions)
            {
                Function(graph.GetLocalFunctionControlFlowGraph(local, _ct), local, local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_ct));
            }
        }

        private void Judge(ControlFlowGraph graph, SyntaxNode function)
        {
            var checkpoints = graph.Blocks.Select(b => OperationsOf(b).Select(IsCheckpoint).ToArray()).ToArray();
            var findings = new List<(Location Location, string What, string Does, string Place)>();

            // From the start and from each yield return: the next yield return or the exit, without a checkpoint.
            var exitWithout = false;
            var badYields = new HashSet<IOperation>();
            var starts = new List<(int Block, int Index)> { (0, 0) };
            for (var b = 0; b < graph.Blocks.Length; b++)
            {
                var ops = OperationsOf(graph.Blocks[b]).ToArray();
                for (var i = 0; i < ops.Length; i++)
                {
                    if (IsYield(ops[i]))
                    {
                        starts.Add((b, i + 1));
                    }
                }
            }
            // The exit counts from the start only: after the last yield the consumer's MoveNextAsync just returns
            // false (flake8-async's ASYNC911 asks for a checkpoint there too; that would be a fix at the end).
            var runsOnce = new HashSet<int>();
            foreach (var loop in StructuredFacts.OwnNodes(function).OfType<ForStatementSyntax>().Where(RunsAtLeastOnce))
            {
                foreach (var block in graph.Blocks)
                {
                    if (block.BranchValue?.Syntax == loop.Condition && block.ConditionKind == ControlFlowConditionKind.WhenFalse)
                    {
                        runsOnce.Add(block.Ordinal);
                    }
                }
            }
            foreach (var start in starts)
            {
                exitWithout |= Walk(graph, checkpoints, start, badYields, runsOnce) && start.Block == 0;
            }
            if (exitWithout && !IsInlineBody(function) && FunctionLocation(function) is { } where)
            {
                findings.Add((where, FunctionName(function), "complete", "function"));
            }
            foreach (var yield in badYields)
            {
                findings.Add((yield.Syntax.GetFirstToken().GetLocation(), "This iterator", "yield", "yield"));
            }
            foreach (var loop in StructuredFacts.OwnNodes(function).OfType<StatementSyntax>().Where(IsEndlessLoop))
            {
                if (IterationWithout(graph, checkpoints, loop))
                {
                    findings.Add((loop.GetFirstToken().GetLocation(), "This endless loop", "run an iteration", "loop"));
                }
            }
            if (findings.Count == 0 || !UsesStructured(function))
            {
                return;
            }
            foreach (var (location, what, does, place) in findings)
            {
                var properties = ImmutableDictionary<string, string?>.Empty.Add(PlaceKey, place);
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.STR112, location, properties, what, does));
            }
        }

        /// <summary>
        /// Depth-first from an operation, over operations that are not checkpoints: collects the yields reached and
        /// says whether the exit is reached. An exception in a try block can enter its catch handlers.
        /// </summary>
        private static bool Walk(ControlFlowGraph graph, bool[][] checkpoints, (int Block, int Index) start, HashSet<IOperation> badYields, HashSet<int> runsOnce)
        {
            var exit = false;
            var seen = new HashSet<int>();
            var work = new Stack<(int Block, int Index)>();
            work.Push(start);
            while (work.Count > 0)
            {
                var (b, index) = work.Pop();
                if (index == 0 && !seen.Add(b))
                {
                    continue;
                }
                var block = graph.Blocks[b];
                // Unreachable: e.g. the exit of a function that ends in while (true) without a break.
                if (!block.IsReachable)
                {
                    continue;
                }
                if (block.Kind == BasicBlockKind.Exit)
                {
                    exit = true;
                    continue;
                }
                var ops = OperationsOf(block).ToArray();
                var blocked = false;
                var ran = false;
                for (var i = index; i < ops.Length && !blocked; i++)
                {
                    if (checkpoints[b][i])
                    {
                        blocked = true;
                    }
                    else if (IsYield(ops[i]))
                    {
                        badYields.Add(ops[i]);
                        blocked = true;
                    }
                    else
                    {
                        ran |= MayThrow(ops[i]);
                    }
                }
                // Code before the checkpoint may throw into a catch handler. (An exception of the checkpoint itself
                // comes after it was a checkpoint: a cancellation that a catch swallows is STR103's business.)
                if (ran)
                {
                    foreach (var handler in Handlers(graph, block))
                    {
                        work.Push((handler, 0));
                    }
                }
                if (blocked)
                {
                    continue;
                }
                foreach (var next in Successors(block))
                {
                    // The exit of for (var i = 0; i < 3; i++) is not taken before a first iteration (taken never, as an
                    // approximation: a path through iterations that all skip their checkpoint is not seen).
                    if (runsOnce.Contains(b) && next == block.ConditionalSuccessor?.Destination?.Ordinal)
                    {
                        continue;
                    }
                    work.Push((next, 0));
                }
            }
            return exit;
        }

        /// <summary><c>for (var i = 0; i &lt; 3; i++)</c>: a counter from a constant, below (or up to) a larger constant.</summary>
        private bool RunsAtLeastOnce(ForStatementSyntax loop)
        {
            if (loop.Declaration is not { Variables.Count: 1 } declaration || declaration.Variables[0] is not { Initializer.Value: { } init } variable ||
                loop.Condition is not BinaryExpressionSyntax { Left: IdentifierNameSyntax counter, Right: { } bound } condition ||
                counter.Identifier.ValueText != variable.Identifier.ValueText ||
                model.GetConstantValue(init, _ct) is not { HasValue: true, Value: int from } ||
                model.GetConstantValue(bound, _ct) is not { HasValue: true, Value: int to })
            {
                return false;
            }
            return condition.Kind() switch
            {
                SyntaxKind.LessThanExpression or SyntaxKind.NotEqualsExpression => from < to,
                SyntaxKind.LessThanOrEqualExpression => from <= to,
                _ => false,
            };
        }

        /// <summary>Whether a path leads from the loop's head back to it through no checkpoint.</summary>
        private static bool IterationWithout(ControlFlowGraph graph, bool[][] checkpoints, StatementSyntax loop)
        {
            var inLoop = new bool[graph.Blocks.Length];
            var hasSyntax = new bool[graph.Blocks.Length];
            foreach (var block in graph.Blocks)
            {
                var ops = OperationsOf(block).ToArray();
                hasSyntax[block.Ordinal] = ops.Length > 0;
                inLoop[block.Ordinal] = ops.Length > 0 && ops.All(o => loop.Span.Contains(o.Syntax.Span));
            }
            // Empty blocks (jumps) belong to the loop when everything around them does.
            for (var changed = true; changed;)
            {
                changed = false;
                foreach (var block in graph.Blocks)
                {
                    if (!hasSyntax[block.Ordinal] && !inLoop[block.Ordinal] && block.Kind == BasicBlockKind.Block &&
                        block.Predecessors.Length > 0 && block.Predecessors.All(p => inLoop[p.Source.Ordinal]) &&
                        Successors(block).Any() && Successors(block).All(s => inLoop[s]))
                    {
                        inLoop[block.Ordinal] = changed = true;
                    }
                }
            }
            bool Clear(int b) => inLoop[b] && !checkpoints[b].Any(c => c);
            foreach (var head in graph.Blocks.Where(b => inLoop[b.Ordinal] && b.Predecessors.Any(p => !inLoop[p.Source.Ordinal])))
            {
                if (!Clear(head.Ordinal))
                {
                    continue;
                }
                var seen = new HashSet<int>();
                var work = new Stack<int>(Successors(head));
                while (work.Count > 0)
                {
                    var b = work.Pop();
                    if (b == head.Ordinal)
                    {
                        return true;
                    }
                    if (Clear(b) && seen.Add(b))
                    {
                        foreach (var next in Successors(graph.Blocks[b]))
                        {
                            work.Push(next);
                        }
                    }
                }
            }
            return false;
        }

        /// <summary>
        /// Whether the operation calls code that may throw into a catch handler before the checkpoint: a call or a
        /// creation, other than Structured's own calls (they build the checkpoint's arguments, e.g. MoveOnAfter).
        /// Reading locals, fields and properties is taken not to throw.
        /// </summary>
        private static bool MayThrow(IOperation operation) =>
            operation.DescendantsAndSelf().Any(o =>
                o is IInvocationOperation invocation && !StructuredFacts.IsStructuredSymbol(invocation.TargetMethod) ||
                o is IObjectCreationOperation creation && !StructuredFacts.IsStructuredSymbol(creation.Constructor) ||
                o is IThrowOperation);

        /// <summary>
        /// The successors of a block; a branch on a constant (the <c>true</c> of <c>while (true)</c>, which the graph keeps
        /// as a condition) only goes one way.
        /// </summary>
        private static IEnumerable<int> Successors(BasicBlock block)
        {
            bool? constant = block.BranchValue?.ConstantValue is { HasValue: true, Value: bool value } ? value : null;
            bool? conditionalTaken = constant is null || block.ConditionKind == ControlFlowConditionKind.None ? null
                : constant == (block.ConditionKind == ControlFlowConditionKind.WhenTrue);
            if (block.FallThroughSuccessor?.Destination is { } fall && conditionalTaken != true)
            {
                yield return fall.Ordinal;
            }
            if (block.ConditionalSuccessor?.Destination is { } conditional && conditionalTaken != false)
            {
                yield return conditional.Ordinal;
            }
        }

        /// <summary>The first blocks of the catch handlers (and filters) of every try block that contains the block.</summary>
        private static IEnumerable<int> Handlers(ControlFlowGraph graph, BasicBlock block)
        {
            for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch)
                {
                    foreach (var handler in tryAndCatch.NestedRegions.Where(r => r.Kind != ControlFlowRegionKind.Try))
                    {
                        yield return handler.FirstBlockOrdinal;
                    }
                }
            }
        }

        private static IEnumerable<IOperation> OperationsOf(BasicBlock block) =>
            block.BranchValue is null ? block.Operations : block.Operations.Concat(new[] { block.BranchValue });

        private static bool IsYield(IOperation operation) => operation.Kind == OperationKind.YieldReturn;

        private static bool IsEndlessLoop(StatementSyntax statement) => statement switch
        {
            WhileStatementSyntax w => w.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
            DoStatementSyntax d => d.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
            ForStatementSyntax f => f.Condition is null || f.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
            _ => false,
        };

        /// <summary>Whether the operation contains an await of a checkpoint (see the type's remarks).</summary>
        private bool IsCheckpoint(IOperation operation)
        {
            foreach (var o in operation.DescendantsAndSelf())
            {
                if (o is IAwaitOperation await && IsCheckpointAwait(await))
                {
                    return true;
                }
            }
            return false;
        }

        private bool IsCheckpointAwait(IAwaitOperation await)
        {
            var awaited = await.Operation;
            // await foreach: the graph awaits MoveNextAsync of the enumerator; judge the sequence instead.
            if (await.Syntax is CommonForEachStatementSyntax forEach)
            {
                return model.GetOperation(forEach.Expression, _ct) is not { } sequence || IsCheckpointAwaitable(sequence);
            }
            // await using: DisposeAsync runs in a finally block, where awaits are no cancel points (see remarks).
            if (await.Syntax is UsingStatementSyntax or LocalDeclarationStatementSyntax)
            {
                return false;
            }
            return IsCheckpointAwaitable(awaited);
        }

        private bool IsCheckpointAwaitable(IOperation awaited)
        {
            while (awaited is IConversionOperation conversion)
            {
                awaited = conversion.Operand;
            }
            if (awaited is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } instance })
            {
                awaited = instance;
            }
            while (awaited is IConversionOperation conversion)
            {
                awaited = conversion.Operand;
            }
            if (awaited is not IInvocationOperation invocation)
            {
                // A task variable, a property, a lambda's result: unknown, so given the benefit of the doubt.
                return true;
            }
            var method = invocation.TargetMethod;
            if (StructuredFacts.IsCheckpointCallee(method) is { } known)
            {
                return known;
            }
            // The compilation's own code is judged by this rule where it is declared.
            if (method.Locations.Any(l => l.IsInSource))
            {
                return true;
            }
            // Task.WhenAll / WhenAny of checkpoints (Task.WhenAll(CancelScope.FailAfter(...), CancelScope.FailAfter(...)),
            // or of task variables: unknown) waits in them.
            if (method.Name is "WhenAll" or "WhenAny" && StructuredFacts.Is(method.ContainingType, facts.Task))
            {
                return invocation.Arguments.SelectMany(a => a.Value is IArrayCreationOperation { Initializer: { } init } ? (IEnumerable<IOperation>)init.ElementValues : new[] { a.Value })
                    .Any(IsCheckpointAwaitable);
            }
            // The streams Tcp hands out (ConnectAsync's, ServeAsync's handler's) obey the ambient cancel scope; the static type
            // is NetworkStream, so with Structured.Hosting referenced every NetworkStream is taken to be one.
            if (facts.Tcp is not null && facts.NetworkStream is not null && invocation.Instance is { } receiver &&
                InheritsFrom(receiver.Type, facts.NetworkStream))
            {
                return true;
            }
            return invocation.Arguments.Any(a => a.Syntax is ArgumentSyntax arg && facts.IsScopeToken(arg.Expression, model, _ct));
        }

        private static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol baseType)
        {
            for (var t = type; t is not null; t = t.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(t, baseType))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// The body of a cancel scope or nursery (CancelScope.RunAsync / FailAfter / FailAt, Nursery.RunAsync) is part
        /// of the function around it, as the body of Trio's <c>with</c> / <c>async with</c> is: the await of the scope
        /// or nursery is that function's checkpoint, and a body that awaits nothing at all is STR101's or STR109's.
        /// </summary>
        private bool IsInlineBody(SyntaxNode function) =>
            function is AnonymousFunctionExpressionSyntax { Parent: ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } } &&
            // A candidate too: in code with an error elsewhere in the call the overload may not resolve.
            (model.GetSymbolInfo(call, _ct) is var info && (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) is var resolved) &&
            // A call that does not resolve at all (a fragment, a typo): unknown, so given the benefit of the doubt.
            (resolved is null || resolved is IMethodSymbol method && IsInlineMethod(method));

        private bool IsInlineMethod(IMethodSymbol method) =>
            (StructuredFacts.Is(method.ContainingType, facts.CancelScope) && method.Name is "RunAsync" or "FailAfter" or "FailAt" ||
             StructuredFacts.IsMethodOf(method, facts.Nursery, "RunAsync"));

        /// <summary>The function names a type or member of Structured, or it is given to a Structured call.</summary>
        private bool UsesStructured(SyntaxNode function)
        {
            if (StructuredFacts.ScopeIsAll(function.SyntaxTree, context.Options))
            {
                return true;
            }
            if (function is AnonymousFunctionExpressionSyntax { Parent: ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } } &&
                StructuredFacts.IsStructuredSymbol(model.GetSymbolInfo(call, _ct).Symbol))
            {
                return true;
            }
            foreach (var name in function.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name, _ct).Symbol;
                if (symbol is not (INamespaceSymbol or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol) &&
                    StructuredFacts.IsStructuredSymbol(symbol))
                {
                    return true;
                }
            }
            return false;
        }

        private static Location? FunctionLocation(SyntaxNode function) => function switch
        {
            MethodDeclarationSyntax m => m.Identifier.GetLocation(),
            LocalFunctionStatementSyntax f => f.Identifier.GetLocation(),
            AnonymousFunctionExpressionSyntax f => f.AsyncKeyword.GetLocation(),
            _ => null,
        };

        private static string FunctionName(SyntaxNode function) => function switch
        {
            MethodDeclarationSyntax m => "'" + m.Identifier.ValueText + "'",
            LocalFunctionStatementSyntax f => "'" + f.Identifier.ValueText + "'",
            _ => "This lambda",
        };
    }
}
