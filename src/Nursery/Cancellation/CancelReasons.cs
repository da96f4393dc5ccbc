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

    /// <summary>"deadline 5 s after entry passed", for a deadline at <paramref name="deadlineTicks"/> of a scope entered at <paramref name="entryTicks"/>.</summary>
    internal static string DeadlineAfterEntry(long deadlineTicks, long entryTicks)
        => $"deadline {Relative(deadlineTicks, entryTicks, "after entry", "before entry")} passed";

    /// <summary>The deadline of a scope not entered yet passed (seen by <see cref="CancelScope.CancelCalled"/>).</summary>
    internal static string DeadlineBeforeEntry(long nowTicks, long deadlineTicks)
        => $"deadline passed {Span(Int128.Max(0, (Int128)nowTicks - deadlineTicks))} ago, before the scope was entered";

    /// <summary>
    /// "5 s after entry" or "2 s before entry": how far <paramref name="ticks"/> is from <paramref name="fromTicks"/>.
    /// The difference is taken exactly (in 128 bits): any two times of a clock, <see cref="TimeSpan.MinValue"/> and
    /// <see cref="TimeSpan.MaxValue"/> included, are further apart than a long can say only in their difference.
    /// </summary>
    internal static string Relative(long ticks, long fromTicks, string after, string before)
    {
        Int128 difference = (Int128)ticks - fromTicks;
        return difference >= 0 ? $"{Span(difference)} {after}" : $"{Span(-difference)} {before}";
    }

    /// <summary>A distance between two times (never "forever": two times are always a finite distance apart).</summary>
    internal static string Span(Int128 ticks)
    {
        if (ticks < TimeSpan.TicksPerDay)
            return Duration((long)ticks);
        // Days and hours, as Duration writes them, for any distance up to twice TimeSpan's range.
        var days = ticks / TimeSpan.TicksPerDay;
        var hours = (long)(ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerHour);
        return hours == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{days} d")
            : string.Create(CultureInfo.InvariantCulture, $"{days} d {hours} h");
    }

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
