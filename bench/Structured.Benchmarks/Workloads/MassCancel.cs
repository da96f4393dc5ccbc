using System.Diagnostics;
using Structured;

namespace Benchmarks;

/// <summary>
/// W6: N tasks in one group, all blocked; once all have started the parent cancels the group and waits for it.
/// <c>park</c>: each task blocks on something of its own (sleep forever / <c>Task.Delay(Infinite, token)</c>);
/// <c>event-wait</c>: all wait on one shared event that is never set. Timed: from just before the cancel
/// call until the group has exited (<see cref="Sample.Extra"/> carries the time to spawn and block them).
/// </summary>
public static class MassCancel
{
    /// <summary>Structured: <c>Time.SleepForeverAsync()</c> or <c>Event.WaitAsync()</c>; <c>nursery.CancelScope.Cancel()</c>.</summary>
    public static async Task<(double Cancel, double SpawnBlock)> StructuredAsync(int n, bool park)
    {
        var ready = new Event();
        var gate = new Event();
        int started = 0;
        Func<Task> child = park
            ? async () =>
            {
                if (Interlocked.Increment(ref started) == n)
                    ready.Set();
                await Time.SleepForeverAsync();
            }
        : async () =>
            {
                if (Interlocked.Increment(ref started) == n)
                    ready.Set();
                await gate.WaitAsync();
            };
        long spawn = Stopwatch.GetTimestamp();
        long cancel = 0;
        await Nursery.RunAsync(async nursery =>
        {
            for (int i = 0; i < n; i++)
                nursery.StartSoon(child);
            await ready.WaitAsync();
            cancel = Stopwatch.GetTimestamp();
            nursery.CancelScope.Cancel();
        });
        long end = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(cancel, end).TotalSeconds, Stopwatch.GetElapsedTime(spawn, cancel).TotalSeconds);
    }

    /// <summary>
    /// Raw .NET: <c>Task.Delay(Infinite, token)</c> or <c>gate.Task.WaitAsync(token)</c> on one never-completed
    /// <see cref="TaskCompletionSource"/>; <c>cts.Cancel()</c>, then <c>await Task.WhenAll</c>.
    /// </summary>
    public static async Task<(double Cancel, double SpawnBlock)> RawAsync(int n, bool park)
    {
        var scheduler = TaskScheduler.Current;
        using var cts = new CancellationTokenSource();
        var token = cts.Token;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource();
        int started = 0;
        Func<Task> child = park
            ? async () =>
            {
                if (Interlocked.Increment(ref started) == n)
                    ready.SetResult();
                await Task.Delay(Timeout.Infinite, token);
            }
        : async () =>
            {
                if (Interlocked.Increment(ref started) == n)
                    ready.SetResult();
                await gate.Task.WaitAsync(token);
            };
        long spawn = Stopwatch.GetTimestamp();
        var children = new Task[n];
        for (int i = 0; i < n; i++)
            children[i] = Hosts.Spawn(child, scheduler);
        await ready.Task;
        long cancel = Stopwatch.GetTimestamp();
        cts.Cancel();
        try
        {
            await Task.WhenAll(children);
        }
        catch (OperationCanceledException)
        {
        }
        long end = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(cancel, end).TotalSeconds, Stopwatch.GetElapsedTime(spawn, cancel).TotalSeconds);
    }
}
