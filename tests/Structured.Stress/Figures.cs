using System.Diagnostics;

namespace Stress;

/// <summary>
/// What one scenario counted: the one line it prints. Counters are updated from any thread (interlocked); a scenario
/// adds a failure for each broken rule, and any failure (or a loss, a duplicate, a hang) fails the scenario.
/// </summary>
internal sealed class Figures
{
    readonly Stopwatch _time = Stopwatch.StartNew();
    readonly List<string> _failures = [];
    long _items, _lost, _duplicated, _trees, _hangs, _bytes;

    internal long Items => Interlocked.Read(ref _items);

    internal void AddItems(long n) => Interlocked.Add(ref _items, n);

    internal void AddLost(long n) => Interlocked.Add(ref _lost, n);

    internal void AddDuplicated(long n) => Interlocked.Add(ref _duplicated, n);

    internal void AddTrees(long n) => Interlocked.Add(ref _trees, n);

    internal void AddHang() => Interlocked.Increment(ref _hangs);

    /// <summary>Heap growth in bytes (a leak check); the largest value set wins.</summary>
    internal void SetBytes(long bytes)
    {
        long seen;
        while (bytes > (seen = Interlocked.Read(ref _bytes)) && Interlocked.CompareExchange(ref _bytes, bytes, seen) != seen)
        {
        }
    }

    /// <summary>Records a broken rule; the first few are printed.</summary>
    internal void Fail(string message)
    {
        lock (_failures)
            _failures.Add(message);
    }

    internal IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
                return [.. _failures];
        }
    }

    internal bool Passed => Failures.Count == 0 && Interlocked.Read(ref _lost) == 0
        && Interlocked.Read(ref _duplicated) == 0 && Interlocked.Read(ref _hangs) == 0;

    internal void Stop() => _time.Stop();

    public override string ToString()
        => $"items={Items} lost={Interlocked.Read(ref _lost)} duplicated={Interlocked.Read(ref _duplicated)} "
         + $"trees={Interlocked.Read(ref _trees)} hangs={Interlocked.Read(ref _hangs)} bytes={Interlocked.Read(ref _bytes)} "
         + $"time={_time.Elapsed.TotalSeconds:0.00}s";
}
