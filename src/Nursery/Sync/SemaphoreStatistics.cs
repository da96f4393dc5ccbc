namespace Structured;

/// <summary>A snapshot of an <see cref="AsyncSemaphore"/>, from <see cref="AsyncSemaphore.Statistics"/>.</summary>
/// <param name="Value">The semaphore's value: how many acquires would succeed without blocking.</param>
/// <param name="MaxValue">The largest value <see cref="AsyncSemaphore.Release"/> may reach, or null for no bound.</param>
/// <param name="TasksWaiting">How many tasks are blocked in <see cref="AsyncSemaphore.AcquireAsync"/>.</param>
public readonly record struct SemaphoreStatistics(int Value, int? MaxValue, int TasksWaiting);
