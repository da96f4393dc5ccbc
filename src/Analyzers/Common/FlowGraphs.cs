using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Structured.Analyzers;

/// <summary>What the path-sensitive rules (STR110, STR112) read of a control flow graph.</summary>
internal static class FlowGraphs
{
    /// <summary>The operations of a block, its branch value (a condition, a returned value) last.</summary>
    public static IEnumerable<IOperation> OperationsOf(BasicBlock block) =>
        block.BranchValue is null ? block.Operations : block.Operations.Concat(new[] { block.BranchValue });

    /// <summary>The lambdas the graph's operations contain: each has a graph of its own.</summary>
    public static IEnumerable<IFlowAnonymousFunctionOperation> AnonymousFunctions(ControlFlowGraph graph) =>
        graph.Blocks.SelectMany(OperationsOf).SelectMany(o => o.DescendantsAndSelf()).OfType<IFlowAnonymousFunctionOperation>();

    /// <summary>The first blocks of the catch handlers (and filters) of every try block that contains the block.</summary>
    public static IEnumerable<int> Handlers(BasicBlock block)
    {
        for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch)
            {
                // A try-and-catch region holds the try region, then its catch (and filter-and-handler) regions.
                foreach (var handler in tryAndCatch.NestedRegions.Where(r => r.Kind != ControlFlowRegionKind.Try))
                {
                    yield return handler.FirstBlockOrdinal;
                }
            }
        }
    }
}
