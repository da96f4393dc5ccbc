namespace Benchmarks;

/// <summary>
/// Counts first-chance exceptions in the process (every throw, caught or not): cancellation in .NET unwinds an
/// async method by throwing, so throws per cancelled task explain most of the cost of W5 and W6.
/// </summary>
public static class ExceptionCounter
{
    static long s_count;
    static int s_installed;

    /// <summary>Throws seen since <see cref="Install"/>.</summary>
    public static long Count => Interlocked.Read(ref s_count);

    /// <summary>Starts counting (idempotent).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
            AppDomain.CurrentDomain.FirstChanceException += static (_, _) => Interlocked.Increment(ref s_count);
    }
}
