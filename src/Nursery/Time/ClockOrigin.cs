using System.ComponentModel;
using System.Diagnostics;

namespace Structured;

/// <summary>
/// Where a clock's time began as far as this process can know, to tell a deadline that is surely a mistake (a
/// duration passed where an absolute time on <see cref="Time.Now"/>'s clock is expected) from one that has just passed.
/// </summary>
/// <remarks>
/// The rule (docs/concepts/cancellation.md, "Deadlines"): a positive absolute deadline below half of the origin is
/// rejected. The origin is the time on the clock when this process started, for <see cref="TimeProvider.System"/> (on
/// the loop or off it: its monotonic time counts from the machine's boot), or when the loop was created, for any other
/// clock. No reading of <see cref="Time.Now"/> in this process gives less than the origin, so such a deadline is no
/// reading of it, and no <c>Time.Now - x</c> either unless <c>x</c> is longer than half the clock's age: it is a
/// duration. A <see cref="VirtualClock"/> starts at zero, so on a fresh one every deadline is accepted: there an
/// absolute time and a duration since the start are the same thing.
/// </remarks>
internal static class ClockOrigin
{
    // The system clock's reading when the process started; -1 until first needed (it asks the OS once).
    static long s_systemOrigin = -1;

    /// <summary>
    /// Throws when <paramref name="deadline"/>, an absolute deadline on <paramref name="loop"/>'s clock (the system
    /// clock when null), is positive and below half the clock's origin.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The deadline is surely a duration; the message names <paramref name="call"/> and <paramref name="fix"/>.</exception>
    internal static void ThrowIfSurelyADuration(TimeSpan deadline, Loop? loop, string paramName, string call, string fix)
    {
        if (deadline.Ticks <= 0 || deadline == TimeSpan.MaxValue)
            return;
        bool system = loop is null || ReferenceEquals(loop.Clock, TimeProvider.System);
        long origin = system ? SystemOrigin : loop!.OriginTicks;
        if (deadline.Ticks >= origin / 2)
            return;
        long now = Time.NowTicksFor(loop);
        throw new ArgumentOutOfRangeException(paramName, deadline,
            $"{call}: the deadline {deadline} is an absolute time on the {(loop is null ? "system" : "loop's")} clock, whose Time.Now reads "
            + $"{TimeSpan.FromTicks(now)} and read {TimeSpan.FromTicks(origin)} when {(system ? "this process" : "the loop")} started: a deadline that far "
            + $"before the start is a duration passed as a deadline, and would cancel at once. {fix} for a relative timeout, "
            + "Time.Now + duration for an absolute deadline, or a DateTimeOffset for a wall-clock one.");
    }

    /// <summary>The system clock's reading (TimeSpan ticks of <see cref="Time.Now"/> off the loop) when this process started; 0 when unknown.</summary>
    internal static long SystemOrigin
    {
        get
        {
            long origin = Volatile.Read(ref s_systemOrigin);
            if (origin < 0)
            {
                origin = ReadSystemOrigin();
                Volatile.Write(ref s_systemOrigin, origin);
            }
            return origin;
        }
    }

    static long ReadSystemOrigin()
    {
        long now = Time.NowTicksFor(null);
        try
        {
            using var process = Process.GetCurrentProcess();
            long age = (TimeProvider.System.GetUtcNow() - process.StartTime.ToUniversalTime()).Ticks;
            return Math.Max(0, now - Math.Max(0, age));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or Win32Exception)
        {
            // No start time on this platform: no check rather than a wrong one.
            return 0;
        }
    }
}
