using System.Diagnostics;
using Structured;

namespace Benchmarks;

/// <summary>W1: a group spawns N children and joins them; the child is empty (<c>noop</c>) or yields once (<c>yield</c>).</summary>
public static class SpawnJoin
{
    static readonly Func<Task> s_noop = static () => Task.CompletedTask;
    static readonly Func<Task> s_structuredYield = static async () => await Checkpoint.YieldAsync();
    static readonly Func<Task> s_rawYield = static async () => await Task.Yield();
#pragma warning disable CS1998 // an async body without await is the form under test (what users write)
    static readonly Func<Task> s_asyncLambda = static async () => { };

    static async Task EmptyChildAsync() { }
#pragma warning restore CS1998

    /// <summary>The form of an empty child's body.</summary>
    public enum Body
    {
        /// <summary><c>static async () => { }</c></summary>
        AsyncLambda,

        /// <summary><c>StartSoon(EmptyChildAsync)</c>, a method group of an async method.</summary>
        MethodGroup,
    }

    /// <summary>Structured with an empty child of the given <paramref name="body"/> form.</summary>
    public static async Task<double> StructuredAsync(int n, Body body)
    {
        long start = Stopwatch.GetTimestamp();
        await Nursery.RunAsync(nursery =>
        {
            for (int i = 0; i < n; i++)
            {
                if (body == Body.AsyncLambda)
                    nursery.StartSoon(s_asyncLambda);
                else
                    nursery.StartSoon(EmptyChildAsync);
            }
            return Task.CompletedTask;
        });
        return Repeat.Since(start);
    }

    /// <summary>Raw .NET with an empty child of the given <paramref name="body"/> form.</summary>
    public static async Task<double> RawAsync(int n, Body body)
    {
        var scheduler = TaskScheduler.Current;
        long start = Stopwatch.GetTimestamp();
        var children = new Task[n];
        for (int i = 0; i < n; i++)
            children[i] = body == Body.AsyncLambda ? Hosts.Spawn(s_asyncLambda, scheduler) : Hosts.Spawn(EmptyChildAsync, scheduler);
        await Task.WhenAll(children);
        return Repeat.Since(start);
    }

    /// <summary>Structured: <c>Nursery.RunAsync</c> + <c>StartSoon</c>, on whatever scheduler is current (Loop or pool).</summary>
    public static async Task<double> StructuredAsync(int n, bool yield)
    {
        var child = yield ? s_structuredYield : s_noop;
        long start = Stopwatch.GetTimestamp();
        await Nursery.RunAsync(nursery =>
        {
            for (int i = 0; i < n; i++)
                nursery.StartSoon(child);
            return Task.CompletedTask;
        });
        return Repeat.Since(start);
    }

    /// <summary>Raw .NET: <c>Task.Run</c> (or <c>StartNew</c> on the current single-threaded scheduler) + <c>Task.WhenAll</c>.</summary>
    public static async Task<double> RawAsync(int n, bool yield)
    {
        var child = yield ? s_rawYield : s_noop;
        var scheduler = TaskScheduler.Current;
        long start = Stopwatch.GetTimestamp();
        var children = new Task[n];
        for (int i = 0; i < n; i++)
            children[i] = Hosts.Spawn(child, scheduler);
        await Task.WhenAll(children);
        return Repeat.Since(start);
    }
}
