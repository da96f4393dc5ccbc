namespace Structured;

/// <summary>
/// The structured services of one host that failed (an error, or tasks abandoned at shutdown): read by
/// <c>host.RunStructuredAsync()</c> to choose the exit code. A singleton of the host's container; thread-safe.
/// </summary>
internal sealed class ServiceFailures
{
    int _count;

    internal int Count => Volatile.Read(ref _count);

    internal void Record() => Interlocked.Increment(ref _count);
}
