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
/// exactly: readings are taken relative to the first one, in 128 bits, rounded to the nearest tick. Relative, so
/// that the provider's own rounding of a due time (a timer due in 5 s fires at the timestamp 5 s of its units later)
/// reads back as exactly 5 s; to the nearest tick, so that a timestamp a fraction of a tick below the due tick (the
/// provider rounded down) reads as the due tick and not one before it.</para>
/// </remarks>
internal readonly struct ClockTimestamps
{
    readonly long _frequency;
    readonly long _multiplier; // TicksPerSecond / frequency, when the frequency divides it; else 0
    readonly long _divisor;    // frequency / TicksPerSecond, when it is a multiple; else 0
    readonly long _originTimestamp, _originTicks; // for other frequencies: the first reading, and its ticks
    readonly bool _absolute; // other frequencies converted absolutely, rounded down (the system clock's)

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
        Int128 since = ((Int128)timestamp - _originTimestamp) * TimeSpan.TicksPerSecond;
        Int128 ticks = FloorDivide(since + (_frequency / 2), _frequency); // to the nearest tick
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
