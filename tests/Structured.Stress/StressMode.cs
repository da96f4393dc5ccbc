namespace Stress;

/// <summary>
/// The knobs of one run. <c>--short</c> (CI, under 2 minutes on 2 cores) and <c>--long</c> (by hand) set them all;
/// <c>--seed N</c> replays a run; <c>--scale X</c> multiplies every count of the chosen mode.
/// </summary>
internal sealed record StressMode(
    string Name,
    int Seed,
    int ChannelItemsPerProducer,
    int OnLoopTrees,
    int OffLoopTrees,
    int StartableTreesOnLoop,
    int StartableTreesOffLoop,
    int Spawns,
    int ThreadRounds,
    int FlowRounds,
    TimeSpan Watchdog)
{
    internal static StressMode Short(int seed) => new("short", seed,
        ChannelItemsPerProducer: 6_000, OnLoopTrees: 2_000, OffLoopTrees: 200,
        StartableTreesOnLoop: 1_000, StartableTreesOffLoop: 600, Spawns: 1_000_000, ThreadRounds: 500,
        FlowRounds: 50, Watchdog: TimeSpan.FromMinutes(5)); // a hang guard: a scenario takes seconds, a loaded machine never minutes

    internal static StressMode Long(int seed) => new("long", seed,
        ChannelItemsPerProducer: 50_000, OnLoopTrees: 20_000, OffLoopTrees: 2_000,
        StartableTreesOnLoop: 10_000, StartableTreesOffLoop: 20_000, Spawns: 10_000_000, ThreadRounds: 5_000,
        FlowRounds: 1_000, Watchdog: TimeSpan.FromMinutes(20));

    internal StressMode Scaled(double factor) => this with
    {
        ChannelItemsPerProducer = Scale(ChannelItemsPerProducer, factor),
        OnLoopTrees = Scale(OnLoopTrees, factor),
        OffLoopTrees = Scale(OffLoopTrees, factor),
        StartableTreesOnLoop = Scale(StartableTreesOnLoop, factor),
        StartableTreesOffLoop = Scale(StartableTreesOffLoop, factor),
        Spawns = Scale(Spawns, factor),
        ThreadRounds = Scale(ThreadRounds, factor),
        FlowRounds = Scale(FlowRounds, factor),
    };

    static int Scale(int value, double factor) => Math.Max(1, (int)Math.Min(int.MaxValue, value * factor));
}
