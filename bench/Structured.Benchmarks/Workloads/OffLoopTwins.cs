using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Structured;

namespace Benchmarks;

/// <summary>
/// The thread-pool path (issue 24): each primitive of Structured off the Loop, called N times in a row by one flow,
/// beside the BCL twin that does the same job. Each returns the seconds of its timed region.
/// </summary>
public static class OffLoopTwins
{
    static readonly TimeSpan s_hour = TimeSpan.FromHours(1);
    static readonly TimeSpan s_ms = TimeSpan.FromMilliseconds(1);

    /// <summary>Structured: <c>Time.SleepAsync(1 ms)</c>, N times.</summary>
    public static async Task<double> SleepAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
            await Time.SleepAsync(s_ms);
        return Repeat.Since(start);
    }

    /// <summary>BCL: <c>Task.Delay(1 ms)</c>, N times.</summary>
    public static async Task<double> DelayAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
            await Task.Delay(s_ms);
        return Repeat.Since(start);
    }

    /// <summary>Structured: a cancel scope with a deadline an hour away around an empty body (<c>CancelScope.MoveOnAfter(1 h).RunAsync</c>), N times.</summary>
    public static async Task<double> ScopeWithDeadlineRunAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
            await CancelScope.MoveOnAfter(s_hour).RunAsync(static () => Task.CompletedTask);
        return Repeat.Since(start);
    }

    /// <summary>As <see cref="ScopeWithDeadlineRunAsync"/> with a body that returns a value (<c>RunAsync&lt;T&gt;</c>, always an async method).</summary>
    public static async Task<double> ScopeWithDeadlineRunOfTAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
            await CancelScope.MoveOnAfter(s_hour).RunAsync(static () => Task.FromResult(1));
        return Repeat.Since(start);
    }

    /// <summary>BCL, the least it can do: <c>CreateLinkedTokenSource(outer)</c> + <c>CancelAfter(1 h)</c> + <c>Dispose</c>, N times, inline (no method, no body, no await).</summary>
    public static Task<double> LinkedCts(int n, CancellationToken outer)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
            cts.CancelAfter(s_hour);
        }
        return Task.FromResult(Repeat.Since(start));
    }

    /// <summary>
    /// BCL, what a user writes without Structured (the fair twin of <see cref="ScopeWithDeadlineRunAsync"/>): N times, an
    /// async method that makes a linked token source, <c>CancelAfter(1 h)</c>, awaits a body given the token (one that
    /// completes synchronously, as the scope's does) and disposes the source. <see cref="LinkedCts"/> is the same without
    /// the method, the body and the await: the least the BCL can do, kept beside it.
    /// </summary>
    public static async Task<double> LinkedCtsAsyncMethod(int n, CancellationToken outer)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
            await WithTimeoutAsync(s_completedBody, outer);
        return Repeat.Since(start);
    }

    static readonly Func<CancellationToken, Task> s_completedBody = static _ => Task.CompletedTask;

    // Not inlined: the twin pays the call of a method of its own, as the user's helper would.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static async Task WithTimeoutAsync(Func<CancellationToken, Task> body, CancellationToken outer)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(s_hour);
        await body(cts.Token);
    }

    /// <summary>Structured: N times, <c>Event.WaitAsync</c> with the event set from the pool.</summary>
    public static async Task<double> EventWaitAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            var ev = new Event();
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.Set(), ev, preferLocal: false);
            await ev.WaitAsync();
        }
        return Repeat.Since(start);
    }

    /// <summary>BCL: N times, a <c>TaskCompletionSource</c> completed from the pool.</summary>
    public static async Task<double> TcsWaitAsync(int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ThreadPool.UnsafeQueueUserWorkItem(static t => t.SetResult(), tcs, preferLocal: false);
            await tcs.Task;
        }
        return Repeat.Since(start);
    }

#if WITH_CHANNELS
    /// <summary>Structured: N receives that wait, each item sent from the pool into an unbounded memory channel.</summary>
    public static async Task<double> ChannelWaitAsync(int n)
    {
        var (send, receive) = MemoryChannel.Create<int>(int.MaxValue);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.TrySend(1), send, preferLocal: false);
            await receive.ReceiveAsync();
        }
        return Repeat.Since(start);
    }
#endif

    /// <summary>BCL: N reads that wait, each item written from the pool into an unbounded System.Threading.Channels channel.</summary>
    public static async Task<double> BclChannelWaitAsync(int n)
    {
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.TryWrite(1), channel.Writer, preferLocal: false);
            await channel.Reader.ReadAsync();
        }
        return Repeat.Since(start);
    }
}
