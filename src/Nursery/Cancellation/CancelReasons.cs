using System.Globalization;

namespace Structured;

/// <summary>The texts of the reasons a scope is cancelled, so they read the same everywhere.</summary>
internal static class CancelReasons
{
    internal const string Explicit = "CancelScope.Cancel() was called";

    internal const string Abandoned = "an enclosing cancel scope exited while this scope was still running (its RunAsync was not awaited)";

    internal static string Token(string source) => $"the CancellationToken given to {source} was cancelled";

    // Deadlines read relative to the scope, never as the clock's own time (on the system clock that counts from the
    // machine's boot, "deadline 00:09:07.23" told nobody anything).

    /// <summary>"deadline 5 s after entry passed": <paramref name="afterEntryTicks"/> is the deadline minus the time of entry.</summary>
    internal static string DeadlineAfterEntry(long afterEntryTicks)
        => afterEntryTicks >= 0
            ? $"deadline {Duration(afterEntryTicks)} after entry passed"
            : $"deadline {Duration(-afterEntryTicks)} before entry passed";

    /// <summary>The deadline of a scope not entered yet passed (seen by <see cref="CancelScope.CancelCalled"/>).</summary>
    internal static string DeadlineBeforeEntry(long agoTicks)
        => $"deadline passed {Duration(Math.Max(0, agoTicks))} ago, before the scope was entered";

    /// <summary>"deadline 2026-12-02T21:00:00Z passed", for a deadline given as a wall-clock time.</summary>
    internal static string WallClockDeadline(DateTimeOffset at) => $"deadline {WallClock(at)} passed";

    /// <summary>An ISO 8601 time with its offset ("Z" for UTC), without trailing zeros of the fraction.</summary>
    internal static string WallClock(DateTimeOffset at)
        => at.ToString(at.Offset == TimeSpan.Zero ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>A duration as a person writes it: "250 ms", "5 s", "1.5 s", "2 min 30 s", "3 h 5 min", "2 d 4 h".</summary>
    internal static string Duration(long ticks)
    {
        var inv = CultureInfo.InvariantCulture;
        if (ticks == long.MaxValue)
            return "forever";
        var t = TimeSpan.FromTicks(ticks);
        if (ticks < TimeSpan.TicksPerMillisecond)
            return string.Create(inv, $"{ticks / 10.0:0.#} µs");
        if (ticks < TimeSpan.TicksPerSecond)
            return string.Create(inv, $"{t.TotalMilliseconds:0.###} ms");
        if (ticks < TimeSpan.TicksPerMinute)
            return string.Create(inv, $"{t.TotalSeconds:0.###} s");
        if (ticks < TimeSpan.TicksPerHour)
        {
            double seconds = t.TotalSeconds - (t.Minutes * 60);
            return seconds == 0 ? string.Create(inv, $"{t.Minutes} min") : string.Create(inv, $"{t.Minutes} min {seconds:0.###} s");
        }
        if (ticks < TimeSpan.TicksPerDay)
            return t.Minutes == 0 ? string.Create(inv, $"{t.Hours} h") : string.Create(inv, $"{t.Hours} h {t.Minutes} min");
        return t.Hours == 0 ? string.Create(inv, $"{(long)t.TotalDays} d") : string.Create(inv, $"{(long)t.TotalDays} d {t.Hours} h");
    }

    internal static string SiblingFailed(string taskName, Exception error)
        => $"task '{taskName}' failed with {error.GetType().Name}: {error.Message}";
}
