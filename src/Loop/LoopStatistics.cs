namespace Structured;

/// <summary>A snapshot of a loop's counters, from <see cref="Loop.Statistics"/> (Trio's <c>current_statistics</c>).</summary>
/// <param name="TasksAlive">Tasks spawned on the loop that have not finished, the main task included.</param>
/// <param name="TasksRunnable">Tasks whose next step is in the ready queue.</param>
/// <param name="TimersPending">Armed timers: sleeps, deadlines, and timers made through a virtual clock.</param>
/// <param name="CallbacksRun">Callbacks the loop has run since it started.</param>
/// <param name="Seed">The seed of a seeded schedule, or null for FIFO or scripted choices.</param>
public readonly record struct LoopStatistics(int TasksAlive, int TasksRunnable, int TimersPending, long CallbacksRun, int? Seed);
