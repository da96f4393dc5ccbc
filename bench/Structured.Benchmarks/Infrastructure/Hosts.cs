using Nito.AsyncEx;
using Structured;

namespace Benchmarks;

/// <summary>
/// Where a workload runs: on a fresh Loop with the real clock, on the thread pool (Structured off the Loop and
/// the raw .NET baseline), or inside Nito's single-threaded <see cref="AsyncContext"/>.
/// </summary>
/// <remarks>
/// WORKLOADS.md: all repetitions of one variant run inside one loop run, so start-up stays outside the
/// timed region; the quick mode passes the whole repetition loop as <c>main</c>.
/// </remarks>
public static class Hosts
{
    /// <summary>The names of the four columns of every table.</summary>
    public const string Loop = "loop", OffLoop = "off-loop", Pool = "pool", AsyncContext = "asyncctx";

    /// <summary>Runs <paramref name="main"/> on a new Loop on this thread, real clock (<see cref="TimeProvider.System"/>), FIFO.</summary>
    public static T OnLoop<T>(Func<Task<T>> main) => Structured.Loop.Run(main, new LoopOptions { Clock = TimeProvider.System });

    /// <summary>Runs <paramref name="main"/> on the thread pool and blocks until it is done.</summary>
    public static T OnPool<T>(Func<Task<T>> main) => Task.Run(main).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="main"/> inside <see cref="Nito.AsyncEx.AsyncContext.Run(Func{Task})"/> on this thread.</summary>
    public static T InAsyncContext<T>(Func<Task<T>> main) => Nito.AsyncEx.AsyncContext.Run(main);

    /// <summary>Runs <paramref name="main"/> on the host named <paramref name="host"/> (one of the constants above).</summary>
    public static T Run<T>(string host, Func<Task<T>> main) => host switch
    {
        Loop => OnLoop(main),
        OffLoop or Pool => OnPool(main),
        AsyncContext => InAsyncContext(main),
        _ => throw new ArgumentOutOfRangeException(nameof(host), host, "unknown host"),
    };

    /// <summary>
    /// Spawns <paramref name="child"/> the way WORKLOADS.md defines "spawning" for raw .NET: <c>Task.Run</c> on the
    /// pool, <c>Task.Factory.StartNew(..., scheduler).Unwrap()</c> on a single-threaded scheduler.
    /// </summary>
    public static Task Spawn(Func<Task> child, TaskScheduler scheduler)
        => ReferenceEquals(scheduler, TaskScheduler.Default)
            ? Task.Run(child)
            : Task.Factory.StartNew(child, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();
}
