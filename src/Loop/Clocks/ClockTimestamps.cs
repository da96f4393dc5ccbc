namespace Structured;

/// <summary>
/// Turns a <see cref="TimeProvider"/>'s timestamps into <see cref="TimeSpan"/> ticks with integer arithmetic.
/// <see cref="TimeProvider.GetElapsedTime(long, long)"/> multiplies by a <c>double</c> factor, which loses ticks once a
/// timestamp passes 2^53: a <c>FakeTimeProvider</c>'s timestamps (its UTC ticks, about 6e17) lose up to 64 ticks, so a
/// sleep due at the very tick the provider's timer fires read as a few ticks short, and never woke (issue 25, item 2).
/// </summary>
/// <remarks>
/// <para>A frequency that divides <see cref="TimeSpan.TicksPerSecond"/> or is a multiple of it (the system clock's
/// 1e9 on Linux, 1e7 on Windows, a FakeTimeProvider's 1e7) converts exactly: one multiplication or one division,
/// the absolute reading, as <see cref="TimeProvider.System"/> gives it everywhere else (off the loop too).</para>
/// <para>Any other frequency (a provider counting in units of 1/1,000,000,007 s) cannot be turned into whole ticks
/// exactly: readings are taken relative to the first one, in 128 bits. Relative, so that the provider's own rounding
/// of its start does not shift every reading. Each reading stands for the tick it was taken in: a provider finer than
/// ticks writes the time t as floor(t * f) or round(t * f) in its units, so a reading is at most one unit below the
/// tick, or half a unit either side; it is read as the least tick t with t * f &gt;= reading - slack, where the slack
/// is half a unit, or less when units are nearly ticks (then only a provider that rounds down reads exactly). Never a
/// tick before: a sleep due at the tick the provider's timer fired at reads as due, and wakes.</para>
/// </remarks>
internal readonly struct ClockTimestamps
{
    readonly long _frequency;
    readonly long _multiplier; // TicksPerSecond / frequency, when the frequency divides it; else 0
    readonly long _divisor;    // frequency / TicksPerSecond, when it is a multiple; else 0
    readonly long _originTimestamp, _originTicks; // for other frequencies: the first reading, and its ticks
    readonly bool _absolute; // other frequencies converted absolutely, rounded down (the system clock's)
    readonly long _slack;    // other frequencies: how far below a tick (in ticks times the frequency) still reads as it

    /// <summary>The conversion for <paramref name="clock"/>'s timestamps.</summary>
    /// <param name="clock">The provider; its <see cref="TimeProvider.TimestampFrequency"/> is read once, here.</param>
    /// <param name="absolute">
    /// Whether readings at an odd frequency are converted absolutely (rounded down) rather than relative to the first
    /// one: for <see cref="TimeProvider.System"/>, whose loop time must equal <c>Time.Now</c> off the loop.
    /// </param>
    internal ClockTimestamps(TimeProvider clock, bool absolute = false)
    {
        _frequency = clock.TimestampFrequency;
        if (_frequency <= 0)
            throw new ArgumentException($"The clock's TimestampFrequency is {_frequency}; a TimeProvider's timestamps must count up at a positive frequency.", nameof(clock));
        if (TimeSpan.TicksPerSecond % _frequency == 0)
        {
            _multiplier = TimeSpan.TicksPerSecond / _frequency;
        }
        else if (_frequency % TimeSpan.TicksPerSecond == 0)
        {
            _divisor = _frequency / TimeSpan.TicksPerSecond;
        }
        else if (absolute)
        {
            _absolute = true;
        }
        else
        {
            _originTimestamp = clock.GetTimestamp();
            _slack = Math.Max(0, Math.Min(TimeSpan.TicksPerSecond / 2, _frequency - TimeSpan.TicksPerSecond));
            _originTicks = Saturate(FloorDivide((Int128)_originTimestamp * TimeSpan.TicksPerSecond, _frequency));
        }
    }

    /// <summary>The ticks of <paramref name="timestamp"/>, a reading of the clock this was made for.</summary>
    internal long ToTicks(long timestamp)
    {
        if (_multiplier != 0)
            return _multiplier == 1 ? timestamp : Saturate((Int128)timestamp * _multiplier);
        if (_divisor != 0)
            return FloorDivide(timestamp, _divisor);
        if (_absolute)
            return Saturate(FloorDivide((Int128)timestamp * TimeSpan.TicksPerSecond, _frequency));
        // The tick the reading stands for: the least t with t >= since - slack (see the remarks), exactly in 128 bits.
        Int128 since = ((Int128)timestamp - _originTimestamp) * TimeSpan.TicksPerSecond;
        Int128 ticks = -FloorDivide(_slack - since, _frequency); // ceiling of (since - slack) / frequency
        return Saturate(ticks + _originTicks);
    }

    /// <summary>The conversion of <see cref="TimeProvider.System"/>'s timestamps, absolute: the same on and off every loop.</summary>
    internal static readonly ClockTimestamps System = new(TimeProvider.System, absolute: true);

    /// <summary>The ticks between two readings of a clock of <paramref name="frequency"/>, rounded down.</summary>
    internal static long ElapsedTicks(long from, long to, long frequency)
        => Saturate(FloorDivide(((Int128)to - from) * TimeSpan.TicksPerSecond, frequency));

    static long FloorDivide(long value, long divisor)
    {
        long quotient = value / divisor;
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
    }

    static Int128 FloorDivide(Int128 value, long divisor)
    {
        Int128 quotient = value / divisor;
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
    }

    static long Saturate(Int128 value)
        => value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;
}
