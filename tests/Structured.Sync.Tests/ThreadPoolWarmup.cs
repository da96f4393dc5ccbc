namespace SyncTests;

/// <summary>Blocking thread-pool work (ToThread gates, off-loop stress) must not wait for the pool's slow thread injection.</summary>
internal static class ThreadPoolWarmup
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Init()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
