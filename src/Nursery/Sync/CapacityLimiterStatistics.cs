namespace Structured;

/// <summary>A snapshot of a <see cref="CapacityLimiter"/>, from <see cref="CapacityLimiter.Statistics"/> (Trio's <c>CapacityLimiter.statistics()</c>).</summary>
/// <param name="BorrowedTokens">How many tokens are borrowed now.</param>
/// <param name="TotalTokens">How many tokens the limiter lends at most.</param>
/// <param name="Borrowers">Who holds the borrowed tokens: tasks (<see cref="TaskInfo"/>) and the objects given to <see cref="CapacityLimiter.AcquireOnBehalfOfAsync"/>.</param>
/// <param name="TasksWaiting">How many tasks are blocked waiting for a token.</param>
public sealed record CapacityLimiterStatistics(int BorrowedTokens, int TotalTokens, IReadOnlyList<object> Borrowers, int TasksWaiting);
