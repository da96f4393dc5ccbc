using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HostingTests;

/// <summary>
/// Helpers for tests that use real sockets, processes and signals: they run on a loop with the real clock (a virtual
/// clock would jump while the loop waits for the kernel), bounded by the harness's watchdog (<see cref="HangGuard"/>).
/// </summary>
internal static partial class RealTime
{
    /// <summary>
    /// How long a real-time wait may take before the test fails: the harness's watchdog (minutes). A hang guard, never a
    /// margin: a correct run never comes near it, however loaded the machine.
    /// </summary>
    internal static readonly TimeSpan HangGuard = LoopHarness.Watchdog;

    /// <summary>Loop.Run on a fresh thread with the system clock, under the harness's watchdog.</summary>
    internal static void OnLoop(Func<Task> main) => Run(main, new LoopOptions());

    internal static T OnLoop<T>(Func<Task<T>> main) => Run(main, new LoopOptions());

    /// <summary>Real elapsed time since <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    internal static TimeSpan Since(long start) => Stopwatch.GetElapsedTime(start);

    /// <summary>Sends <paramref name="signal"/> (a raw Linux signal number) to a process.</summary>
    internal static void Kill(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    internal const int SIGINT = 2, SIGUSR1 = 10, SIGTERM = 15, SIGWINCH = 28;

    /// <summary>Whether a process is gone: no /proc entry, or a zombie waiting to be reaped (it runs no code).</summary>
    internal static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": the state follows the last ')'.
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return true;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
