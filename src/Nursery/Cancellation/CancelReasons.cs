namespace Structured;

/// <summary>The texts of the reasons a scope is cancelled, so they read the same everywhere.</summary>
internal static class CancelReasons
{
    internal const string Explicit = "CancelScope.Cancel() was called";

    internal static string Deadline(TimeSpan deadline) => $"deadline {deadline} passed";

    internal static string SiblingFailed(string taskName, Exception error)
        => $"task '{taskName}' failed with {error.GetType().Name}: {error.Message}";
}
