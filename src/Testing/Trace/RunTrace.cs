using System.Collections;
using System.Diagnostics;

namespace Structured.Testing;

/// <summary>
/// What one <see cref="TestLoop.Run(Func{Task}, Schedule?, VirtualClock?)"/> did, step by step: every step of every task in the order the loop
/// ran them, the schedule it ran under, and the choices that schedule made.
/// </summary>
/// <remarks>
/// <see cref="Choices"/> turns any run, even one under <see cref="Schedule.Random(int)"/>, into an explicit
/// list: <c>TestLoop.Run(body, trace.Replay)</c> runs the same interleaving again, as long as the body
/// depends on nothing outside the loop (other threads, real time, state left over from another run).
/// </remarks>
[DebuggerDisplay("RunTrace: {Count} steps under {Schedule}")]
public sealed class RunTrace : IReadOnlyList<TraceStep>
{
    readonly List<TraceStep> _steps;

    internal RunTrace(Schedule schedule, List<TraceStep> steps, List<int> choices, List<int> readyCounts)
    {
        Schedule = schedule;
        _steps = steps;
        Choices = choices;
        ReadyCounts = readyCounts;
    }

    /// <summary>How many callbacks were ready at each choice point (the same length as <see cref="Choices"/>): what an exhaustive search branches on.</summary>
    internal IReadOnlyList<int> ReadyCounts { get; }

    /// <summary>The schedule the run was given (<see cref="Schedule.Fifo"/> when none was).</summary>
    public Schedule Schedule { get; }

    /// <summary>
    /// The position the loop took at each step that had more than one ready callback (0 = FIFO), in order:
    /// the argument of <see cref="Schedule.FromChoices"/> that replays this run.
    /// </summary>
    public IReadOnlyList<int> Choices { get; }

    /// <summary>A schedule that replays this run: <see cref="Schedule.FromChoices"/> of <see cref="Choices"/> without the trailing zeros.</summary>
    public Schedule Replay => Schedule.FromChoices(ChoiceLists.Trim(Choices));

    /// <summary>
    /// What the run left behind (channel ends never closed, work started with <c>Task.Run</c> still unfinished), when it
    /// tracked leaks (<see cref="TestLoopOptions.Leaks"/>); empty otherwise.
    /// </summary>
    public IReadOnlyList<Leak> Leaks { get; internal set; } = [];

    /// <summary>The number of steps.</summary>
    public int Count => _steps.Count;

    /// <summary>The step at <paramref name="index"/> (0-based; its <see cref="TraceStep.Number"/> is index + 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 to <see cref="Count"/> - 1.</exception>
    public TraceStep this[int index] => _steps[index];

    /// <summary>The last <paramref name="count"/> steps (all of them when there are fewer).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public IReadOnlyList<TraceStep> LastSteps(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return _steps.GetRange(Math.Max(0, _steps.Count - count), Math.Min(count, _steps.Count));
    }

    /// <inheritdoc/>
    public IEnumerator<TraceStep> GetEnumerator() => _steps.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Every step on a line of its own.</summary>
    public override string ToString() => string.Join(Environment.NewLine, _steps);
}
