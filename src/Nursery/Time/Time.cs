namespace Structured;

/// <summary>
/// Time on the clock of the running code: the loop's clock on the loop, <see cref="TimeProvider.System"/>
/// off it (Trio's <c>trio.current_time</c> and <c>trio.sleep*</c>). Every sleep is a checkpoint.
/// </summary>
public static class Time
{
    /// <summary>The monotonic time on the current clock; only differences between readings mean anything.</summary>
    public static TimeSpan Now => new(Loop.Current?.FreshNowTicks ?? NowTicksFor(null));

    /// <summary>
    /// Sleeps for <paramref name="duration"/> of clock time. <see cref="TimeSpan.Zero"/> is a pure checkpoint
    /// (<see cref="Checkpoint.YieldAsync"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or during the sleep.</exception>
    public static ValueTask SleepAsync(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (duration == TimeSpan.Zero)
            return Checkpoint.YieldAsync();
        if (duration == TimeSpan.MaxValue || duration == Timeout.InfiniteTimeSpan)
            return SleepForeverAsync();
        var loop = Loop.Current;
        long now = NowTicksFor(loop);
        return SleepUntilTicks(duration.Ticks > long.MaxValue - now ? long.MaxValue : now + duration.Ticks, loop);
    }

    /// <summary>Sleeps until the clock reads <paramref name="deadline"/>; a deadline in the past is a pure checkpoint.</summary>
    /// <exception cref="Cancelled">The code is cancelled, before or during the sleep.</exception>
    public static ValueTask SleepUntilAsync(TimeSpan deadline)
    {
        var loop = Loop.Current;
        if (deadline.Ticks <= NowTicksFor(loop))
            return Checkpoint.YieldAsync();
        return deadline == TimeSpan.MaxValue ? SleepForeverAsync() : SleepUntilTicks(deadline.Ticks, loop);
    }

    /// <summary>Sleeps until cancelled (Trio's <c>sleep_forever</c>).</summary>
    /// <exception cref="Cancelled">Always, eventually: when the code is cancelled.</exception>
    public static ValueTask SleepForeverAsync()
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        var parker = task.RentParker();
        var wait = parker.Park(SleepWaiter.Forever);
        Blocking.RegisterWithScope(task, parker);
        return wait;
    }

    static ValueTask SleepUntilTicks(long dueTicks, Loop? loop)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        var parker = task.RentParker();
        var wait = parker.Park(SleepWaiter.Timed);
        if (loop is not null && ReferenceEquals(task.Loop, loop))
        {
            loop.AddTimer(parker, dueTicks);
        }
        else
        {
            parker.Payload = OffLoopSleepTimer.Start(parker, dueTicks);
        }
        Blocking.RegisterWithScope(task, parker);
        return wait;
    }

    /// <summary>The time in ticks on <paramref name="loop"/>'s clock, or on the system clock when it is null.</summary>
    internal static long NowTicksFor(Loop? loop)
        => loop?.NowTicks ?? TimeProvider.System.GetElapsedTime(0, TimeProvider.System.GetTimestamp()).Ticks;
}
