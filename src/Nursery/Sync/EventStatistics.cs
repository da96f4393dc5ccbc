namespace Structured;

/// <summary>A snapshot of an <see cref="Event"/>, from <see cref="Event.Statistics"/> (Trio's <c>Event.statistics()</c>).</summary>
/// <param name="TasksWaiting">How many tasks are blocked in <see cref="Event.WaitAsync"/>.</param>
public readonly record struct EventStatistics(int TasksWaiting);
