namespace Structured;

/// <summary>
/// The check of an <c>AbandonTimeout</c> option, written once for <see cref="StructuredServiceOptions"/> and
/// Structured.AspNetCore's <c>StructuredRequestOptions</c>, which take the same values and say the same thing.
/// </summary>
internal static class AbandonTimeoutOption
{
    /// <summary>Returns <paramref name="value"/> when it is zero or more, or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="options">The options class, for the message ("StructuredServiceOptions").</param>
    /// <exception cref="ArgumentOutOfRangeException">Any other negative value.</exception>
    internal static TimeSpan Checked(TimeSpan value, string options)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{options}.AbandonTimeout must be zero or more, or Timeout.InfiniteTimeSpan to wait without limit.");
        return value;
    }
}
