namespace Structured;

/// <summary>What Structured knows of an exception that came out of a nursery.</summary>
public static class ExceptionExtensions
{
    /// <summary>
    /// The name of the task that failed with <paramref name="error"/>, as the nursery that caught it recorded it
    /// (<c>job-3</c>; <c>main (nursery body)</c> for a nursery's body), or null for an exception that no nursery recorded
    /// as a failure. For an exception that crossed several nurseries, the task nearest to where it was thrown.
    /// </summary>
    /// <param name="error">An exception, typically a leaf of a nursery's <see cref="AggregateException"/>.</param>
    /// <returns>The task's name, or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    /// <example>
    /// <code>
    /// catch (AggregateException errors)
    /// {
    ///     foreach (var error in errors.Leaves())
    ///         logger.LogError(error, "task {Task} failed", error.GetTaskName());
    /// }
    /// </code>
    /// </example>
    public static string? GetTaskName(this Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return FailedTask.NameOf(error);
    }
}
