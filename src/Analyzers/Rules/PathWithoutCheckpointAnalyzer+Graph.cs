using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using static Structured.Analyzers.FlowGraphs;

namespace Structured.Analyzers;

// PathWithoutCheckpointAnalyzer.Scan, part: the walks over a function's control flow graph (from a start to the exit or
// a yield, around an endless loop's iteration) and what they follow (successors, catch handlers).
public sealed partial class PathWithoutCheckpointAnalyzer
{
    private sealed partial class Scan
    {
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
                    foreach (var handler in Handlers(block))
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

        private static bool IsYield(IOperation operation) => operation.Kind == OperationKind.YieldReturn;

        private static bool IsEndlessLoop(StatementSyntax statement) => statement switch
        {
            WhileStatementSyntax w => w.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
            DoStatementSyntax d => d.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
            ForStatementSyntax f => f.Condition is null || f.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
            _ => false,
        };
    }
}
