using System.Diagnostics;
using Structured;

namespace Benchmarks;

/// <summary>
/// W5: N concurrent tasks; task i enters a scope with the relative deadline <c>base + spread · i / N</c>
/// (all distinct) and sleeps an hour inside it; every task leaves by its own deadline. Real time.
/// </summary>
public static class Timeouts
{
    static readonly TimeSpan s_hour = TimeSpan.FromHours(1);
    static readonly Func<Task> s_sleepAnHour = static async () => await Time.SleepAsync(s_hour);

    static TimeSpan Deadline(int i, int n, double baseSeconds, double spreadSeconds)
        => TimeSpan.FromSeconds(baseSeconds + spreadSeconds * i / n);

    /// <summary>Structured: <c>CancelScope.MoveOnAfter(d).RunAsync(() =&gt; Time.SleepAsync(1 h))</c> per child, in one nursery.</summary>
    public static async Task<double> StructuredAsync(int n, double baseSeconds, double spreadSeconds)
    {
        long start = Stopwatch.GetTimestamp();
        await Nursery.RunAsync(nursery =>
        {
            for (int i = 0; i < n; i++)
            {
                var deadline = Deadline(i, n, baseSeconds, spreadSeconds);
                nursery.StartSoon(() => CancelScope.MoveOnAfter(deadline).RunAsync(s_sleepAnHour));
            }
            return Task.CompletedTask;
        });
        return Repeat.Since(start);
    }

    /// <summary>Raw .NET: <c>CancelAfter(d)</c> + <c>Task.Delay(1 h, token)</c> + catching <see cref="OperationCanceledException"/>.</summary>
    public static async Task<double> RawAsync(int n, double baseSeconds, double spreadSeconds)
    {
        var scheduler = TaskScheduler.Current;
        long start = Stopwatch.GetTimestamp();
        var children = new Task[n];
        for (int i = 0; i < n; i++)
        {
            var deadline = Deadline(i, n, baseSeconds, spreadSeconds);
            children[i] = Hosts.Spawn(() => RawSleeperAsync(deadline), scheduler);
        }
        await Task.WhenAll(children);
        return Repeat.Since(start);
    }

    static async Task RawSleeperAsync(TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource();
        cts.CancelAfter(deadline);
        try
        {
            await Task.Delay(s_hour, cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
