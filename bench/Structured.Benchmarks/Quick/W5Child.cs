using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// W5 runs each repetition in a fresh process (WORKLOADS.md), so memory kept from an earlier repetition does
/// not hide growth: a small warm-up (1,000 tasks, 10–20 ms), a full GC, RSS read, the kernel's peak reset
/// (<c>echo 5 &gt; /proc/self/clear_refs</c>), the timed run, then the peak (<c>VmHWM</c>). The child prints
/// "W5 seconds bytes rss-delta exceptions".
/// </summary>
public static partial class W5Child
{
    const int N = 100_000;

    /// <summary>Starts this program with <c>--w5-child HOST</c> and parses its one result line.</summary>
    public static Sample RunInFreshProcess(string host)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? "dotnet",
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Started as `dotnet Structured.Benchmarks.dll`: the child needs the dll too.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
            start.ArgumentList.Add(typeof(W5Child).Assembly.Location);
        start.ArgumentList.Add("--w5-child");
        start.ArgumentList.Add(host);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the W5 child process");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the W5 child for {host} exited with {process.ExitCode}: {output}");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith("W5 ", StringComparison.Ordinal));
        var parts = line.Split(' ');
        return new Sample(double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture),
            double.Parse(parts[3], CultureInfo.InvariantCulture), Exceptions: long.Parse(parts[4], CultureInfo.InvariantCulture));
    }

    /// <summary>The child's side: one repetition on <paramref name="host"/>, printed as "W5 seconds bytes rss-delta".</summary>
    public static int RunChild(string host)
    {
        bool structured = host is Hosts.Loop or Hosts.OffLoop;
        ExceptionCounter.Install();
        long exceptions = 0;
        var (seconds, bytes, rss) = Hosts.Run(host, async () =>
        {
            await (structured ? Timeouts.StructuredAsync(1_000, 0.010, 0.010) : Timeouts.RawAsync(1_000, 0.010, 0.010));
            Repeat.FullCollect();
            long rssBefore = ReadStatus("VmRSS");
            ResetPeak();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long exceptionsBefore = ExceptionCounter.Count;
            double s = await (structured ? Timeouts.StructuredAsync(N, 0.5, 0.5) : Timeouts.RawAsync(N, 0.5, 0.5));
            long peak = ReadStatus("VmHWM");
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            exceptions = ExceptionCounter.Count - exceptionsBefore;
            return (s, (double)allocated, (double)(peak - rssBefore));
        });
        Console.WriteLine(FormattableString.Invariant($"W5 {seconds} {bytes} {rss} {exceptions}"));
        return 0;
    }

    /// <summary>A field of /proc/self/status, in bytes.</summary>
    static long ReadStatus(string field)
    {
        var match = StatusField().Matches(File.ReadAllText("/proc/self/status")).First(m => m.Groups[1].Value == field);
        return long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Resets the kernel's peak RSS (VmHWM) to the current RSS.</summary>
    static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    [GeneratedRegex(@"(\w+):\s+(\d+) kB")]
    private static partial Regex StatusField();
}
