using System.Globalization;

namespace Structured;

/// <summary>
/// The timeout format of gRPC's <c>grpc-timeout</c> header (the gRPC over HTTP/2 protocol): at most 8 ASCII digits and
/// a unit, <c>H</c> hours, <c>M</c> minutes, <c>S</c> seconds, <c>m</c> milliseconds, <c>u</c> microseconds,
/// <c>n</c> nanoseconds (<c>"500m"</c>, <c>"30S"</c>). Structured.AspNetCore uses the same format for the plain HTTP
/// deadline header (<see cref="StructuredRequestOptions.DeadlineHeader"/>), so one parser reads both.
/// </summary>
public static class GrpcTimeout
{
    /// <summary>The name of gRPC's timeout header: <c>"grpc-timeout"</c>.</summary>
    public const string HeaderName = "grpc-timeout";

    const int MaxDigits = 8;
    const long MaxValue = 99_999_999;

    /// <summary>Reads a timeout in the <c>grpc-timeout</c> format.</summary>
    /// <param name="text">The header's value, such as <c>"500m"</c>; surrounding spaces are allowed.</param>
    /// <param name="timeout">The timeout; <see cref="TimeSpan.Zero"/> when the text is not one.</param>
    /// <returns>Whether <paramref name="text"/> is 1 to 8 digits followed by one of the units H, M, S, m, u, n.</returns>
    public static bool TryParse(string? text, out TimeSpan timeout)
    {
        timeout = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.Length < 2 || span.Length > MaxDigits + 1)
            return false;
        var digits = span[..^1];
        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
                return false;
        }
        long value = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long? ticks = span[^1] switch
        {
            'H' => value * TimeSpan.TicksPerHour,
            'M' => value * TimeSpan.TicksPerMinute,
            'S' => value * TimeSpan.TicksPerSecond,
            'm' => value * TimeSpan.TicksPerMillisecond,
            'u' => value * TimeSpan.TicksPerMicrosecond,
            // A tick is 100 ns: nanoseconds round down, as a deadline must never come later than the sender's.
            'n' => value / 100,
            _ => null,
        };
        if (ticks is not { } t)
            return false;
        timeout = new TimeSpan(t);
        return true;
    }

    /// <summary>
    /// Writes <paramref name="timeout"/> in the <c>grpc-timeout</c> format, in the finest unit from milliseconds up
    /// whose value fits in 8 digits (microseconds below one millisecond), rounded down: the receiver's deadline never
    /// comes later than the sender's.
    /// </summary>
    /// <param name="timeout">A positive timeout.</param>
    /// <returns>The header's value, such as <c>"1500m"</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero or negative: a deadline that has passed is not sent, the call fails before it starts.</exception>
    public static string Format(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        long ticks = timeout.Ticks;
        if (ticks < TimeSpan.TicksPerMillisecond)
            return Write(ticks / TimeSpan.TicksPerMicrosecond, 'u');
        foreach (var (perUnit, unit) in s_units)
        {
            long value = ticks / perUnit;
            if (value <= MaxValue)
                return Write(value, unit);
        }
        // More than 99,999,999 hours (11,000 years): the largest value there is.
        return Write(MaxValue, 'H');
    }

    static readonly (long PerUnit, char Unit)[] s_units =
    [
        (TimeSpan.TicksPerMillisecond, 'm'),
        (TimeSpan.TicksPerSecond, 'S'),
        (TimeSpan.TicksPerMinute, 'M'),
        (TimeSpan.TicksPerHour, 'H'),
    ];

    static string Write(long value, char unit) => value.ToString(CultureInfo.InvariantCulture) + unit;
}
