using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using static Structured.Analyzers.FlowGraphs;

namespace Structured.Analyzers;

public sealed partial class PathWithoutCheckpointAnalyzer
{
    /// <summary>One operation block's judging: the functions in it, each on its own control flow graph.</summary>
    private sealed partial class Scan(OperationBlockAnalysisContext context, StructuredFacts facts, SemanticModel model)
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
            foreach (var nested in AnonymousFunctions(graph))
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

        /// <summary>Whether the operation contains an await of a checkpoint (see <see cref="PathWithoutCheckpointAnalyzer"/>'s remarks).</summary>
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
