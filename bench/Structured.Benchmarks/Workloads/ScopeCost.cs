using System.Diagnostics;
using Structured;

namespace Benchmarks;

/// <summary>W4: one task enters and exits a cancel scope K times; nothing inside, nothing cancelled.</summary>
public static class ScopeCost
{
    static readonly TimeSpan s_hour = TimeSpan.FromHours(1);
    static readonly Func<Task> s_empty = static () => Task.CompletedTask;

    /// <summary>Structured: <c>CancelScope.MoveOnAfter(1 h)</c> (Trio's <c>move_on_after(3600)</c>) or <c>new CancelScope()</c>, <c>RunAsync</c> of an empty body.</summary>
    public static async Task<double> StructuredAsync(int k, bool deadline)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < k; i++)
        {
            var scope = deadline ? CancelScope.MoveOnAfter(s_hour) : new CancelScope();
            await scope.RunAsync(s_empty);
        }
        return Repeat.Since(start);
    }

    /// <summary>As <see cref="StructuredAsync"/>, inside a child task of a nursery (off the loop: what user code hits; the nursery is outside the timed region).</summary>
    public static async Task<double> StructuredInTaskAsync(int k, bool deadline)
    {
        double seconds = 0;
        await Nursery.RunAsync(nursery =>
        {
            nursery.StartSoon(async () => seconds = await StructuredAsync(k, deadline));
            return Task.CompletedTask;
        });
        return seconds;
    }

    static readonly AsyncLocal<object?> s_probe = new();

    /// <summary>
    /// A phase of W4 alone: what entering a scope pays for the flow to see it (docs/decisions/0007), an
    /// <see cref="AsyncLocal{T}"/> write between <c>ExecutionContext.Capture</c> and <c>ExecutionContext.Restore</c>.
    /// </summary>
    public static Task<double> FlowCopyAsync(int k)
    {
        var value = new object();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < k; i++)
        {
            var caller = ExecutionContext.Capture();
            s_probe.Value = value;
            ExecutionContext.Restore(caller!);
        }
        return Task.FromResult(Repeat.Since(start));
    }

    /// <summary>Raw .NET: <c>new CancellationTokenSource()</c> (+ <c>CancelAfter(1 h)</c>) + <c>Dispose</c>.</summary>
    public static Task<double> RawAsync(int k, bool deadline)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < k; i++)
        {
            using var cts = new CancellationTokenSource();
            if (deadline)
                cts.CancelAfter(s_hour);
        }
        return Task.FromResult(Repeat.Since(start));
    }

    /// <summary>Raw .NET, what a nested scope really needs: <c>CreateLinkedTokenSource(parent.Token)</c> + <c>CancelAfter(1 h)</c> + <c>Dispose</c>.</summary>
    public static Task<double> RawLinkedAsync(int k)
    {
        using var parent = new CancellationTokenSource();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < k; i++)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(parent.Token);
            cts.CancelAfter(s_hour);
        }
        return Task.FromResult(Repeat.Since(start));
    }

    /// <summary>N times, <c>CancelScope.MoveOnAfter(1 h)</c> made and dropped, not entered: the scope object's bytes alone, for <c>--bytes</c>.</summary>
    public static Task<double> ScopeObjectsAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        CancelScope? last = null;
        for (int i = 0; i < n; i++)
            last = CancelScope.MoveOnAfter(s_hour);
        GC.KeepAlive(last);
        return Task.FromResult(Repeat.Since(start));
    }

    /// <summary>The bytes of one <see cref="CancelScope"/> object ("no allocation besides the scope" is measured against it).</summary>
    public static double ScopeObjectBytes()
    {
        const int count = 10_000;
        var keep = new CancelScope[count];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
            keep[i] = CancelScope.MoveOnAfter(s_hour);
        long after = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(keep);
        return (after - before) / (double)count;
    }
}
