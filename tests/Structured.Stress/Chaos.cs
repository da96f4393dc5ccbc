namespace Stress;

/// <summary>
/// A thread that cancels, at random, the token sources that tasks hand it for their current operation, until disposed.
/// </summary>
internal sealed class Chaos : IDisposable
{
    readonly CancellationTokenSource?[] _slots;
    readonly Thread _thread;
    volatile bool _stop;
    long _cancels;

    internal Chaos(int slots, int seed)
    {
        _slots = new CancellationTokenSource?[slots];
        _thread = new Thread(() =>
        {
            var random = new Random(seed);
            while (!_stop)
            {
                var source = Volatile.Read(ref _slots[random.Next(_slots.Length)]);
                if (source is not null)
                {
                    try
                    {
                        source.Cancel();
                        Interlocked.Increment(ref _cancels);
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                }
                for (int spin = random.Next(100); spin > 0; spin--)
                    Thread.SpinWait(20);
            }
        }) { IsBackground = true, Name = "stress chaos" };
        _thread.Start();
    }

    internal long Cancels => Interlocked.Read(ref _cancels);

    /// <summary>A fresh token source in <paramref name="slot"/> that the chaos thread may cancel; dispose it after the operation.</summary>
    internal CancellationTokenSource Arm(int slot)
    {
        var source = new CancellationTokenSource();
        Volatile.Write(ref _slots[slot], source);
        return source;
    }

    internal void Disarm(int slot) => Volatile.Write(ref _slots[slot], null);

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
