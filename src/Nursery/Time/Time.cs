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
    /// (<see cref="Checkpoint.YieldAsync()"/>); <see cref="Timeout.InfiniteTimeSpan"/> sleeps until cancelled.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or during the sleep.</exception>
    public static ValueTask SleepAsync(TimeSpan duration) => SleepAsync(duration, default);

    /// <summary>Sleeps for <paramref name="duration"/> of clock time, or until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="duration">How long; <see cref="TimeSpan.Zero"/> is a pure checkpoint, <see cref="Timeout.InfiniteTimeSpan"/> sleeps until cancelled.</param>
    /// <param name="cancellationToken">A token from outside that ends the sleep too, as for any .NET API.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="Cancelled">The code is cancelled by its scope, before or during the sleep.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (an ordinary error to the scopes: it is not theirs).</exception>
    public static ValueTask SleepAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration == TimeSpan.MaxValue || duration == Timeout.InfiniteTimeSpan)
            return SleepForeverAsync(cancellationToken);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (duration == TimeSpan.Zero)
            return Checkpoint.YieldAsync(cancellationToken);
        var loop = Loop.Current;
        long now = NowTicksFor(loop);
        return SleepUntilTicks(duration.Ticks > long.MaxValue - now ? long.MaxValue : now + duration.Ticks, loop, cancellationToken);
    }

    /// <summary>
    /// Sleeps until the clock reads <paramref name="deadline"/>; a deadline in the past is a pure checkpoint;
    /// <see cref="TimeSpan.MaxValue"/> or <see cref="Timeout.InfiniteTimeSpan"/> (no deadline) sleeps until cancelled.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deadline"/> is surely a duration (see <see cref="CancelScope.MoveOnAt(TimeSpan)"/>): use <see cref="SleepAsync(TimeSpan)"/>.</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or during the sleep.</exception>
    public static ValueTask SleepUntilAsync(TimeSpan deadline) => SleepUntilAsync(deadline, default);

    /// <summary>Sleeps until the clock reads <paramref name="deadline"/>, or until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="deadline">When to wake, on <see cref="Now"/>'s clock; in the past, a pure checkpoint; <see cref="TimeSpan.MaxValue"/> or <see cref="Timeout.InfiniteTimeSpan"/> for never (sleeps until cancelled).</param>
    /// <param name="cancellationToken">A token from outside that ends the sleep too.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deadline"/> is surely a duration (see <see cref="CancelScope.MoveOnAt(TimeSpan)"/>): use <see cref="SleepAsync(TimeSpan, CancellationToken)"/>.</exception>
    /// <exception cref="Cancelled">The code is cancelled by its scope, before or during the sleep.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ValueTask SleepUntilAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        // Infinite means "no deadline" here as for every deadline of the library (CancelScope.MoveOnAt, FailAt),
        // not the instant 1 ms before the clock's zero.
        if (deadline == Timeout.InfiniteTimeSpan || deadline == TimeSpan.MaxValue)
            return SleepForeverAsync(cancellationToken);
        var loop = Loop.Current;
        ClockOrigin.ThrowIfSurelyADuration(deadline, loop, nameof(deadline), "Time.SleepUntilAsync", "Use Time.SleepAsync(duration)");
        if (deadline.Ticks <= NowTicksFor(loop))
            return Checkpoint.YieldAsync(cancellationToken);
        return SleepUntilTicks(deadline.Ticks, loop, cancellationToken);
    }

    /// <summary>Sleeps until cancelled (Trio's <c>sleep_forever</c>).</summary>
    /// <exception cref="Cancelled">Always, eventually: when the code is cancelled.</exception>
    public static ValueTask SleepForeverAsync() => SleepForeverAsync(default);

    /// <summary>Sleeps until the code is cancelled, or until <paramref name="cancellationToken"/> is.</summary>
    /// <param name="cancellationToken">A token from outside that ends the sleep too.</param>
    /// <exception cref="Cancelled">The code is cancelled by its scope.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ValueTask SleepForeverAsync(CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        var parker = task.RentParker();
        var wait = parker.Park(SleepWaiter.Forever);
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return wait;
    }

    static ValueTask SleepUntilTicks(long dueTicks, Loop? loop, CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
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
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return wait;
    }

    /// <summary>The time in ticks on <paramref name="loop"/>'s clock, or on the system clock when it is null.</summary>
    internal static long NowTicksFor(Loop? loop)
        => loop?.NowTicks ?? ClockTimestamps.System.ToTicks(TimeProvider.System.GetTimestamp());
}
