namespace Structured;

/// <summary>A snapshot of a <see cref="Condition"/>, from <see cref="Condition.Statistics"/> (Trio's <c>Condition.statistics()</c>).</summary>
/// <param name="TasksWaiting">How many tasks are blocked in <see cref="Condition.WaitAsync"/> and not yet notified.</param>
/// <param name="LockStatistics">The statistics of the condition's lock: notified tasks wait there until they hold it again.</param>
public readonly record struct ConditionStatistics(int TasksWaiting, LockStatistics LockStatistics);
