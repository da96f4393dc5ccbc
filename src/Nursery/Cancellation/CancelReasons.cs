namespace Structured;

/// <summary>The texts of the reasons a scope is cancelled, so they read the same everywhere.</summary>
internal static class CancelReasons
{
    internal const string Explicit = "CancelScope.Cancel() was called";

    internal const string Abandoned = "an enclosing cancel scope exited while this scope was still running (its RunAsync was not awaited)";

    internal static string Token(string source) => $"the CancellationToken given to {source} was cancelled";

    internal static string Deadline(TimeSpan deadline) => $"deadline {deadline} passed";

    internal static string SiblingFailed(string taskName, Exception error)
        => $"task '{taskName}' failed with {error.GetType().Name}: {error.Message}";
}
