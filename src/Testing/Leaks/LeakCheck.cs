namespace Structured.Testing;

/// <summary>What a <see cref="TestLoop"/> run does about the leaks it finds at its end (<see cref="TestLoopOptions.Leaks"/>).</summary>
public enum LeakCheck
{
    /// <summary>No tracking, no cost: the default of <see cref="TestLoop.Run(Func{Task}, Schedule?, VirtualClock?)"/>.</summary>
    Off,

    /// <summary>Track, and list what leaked in <see cref="RunTrace.Leaks"/>; the run does not fail for it.</summary>
    Report,

    /// <summary>Track, and fail a run that leaked with a <see cref="LeakException"/> listing every leak (after the body's own failure, if any: that one wins).</summary>
    Fail,
}
