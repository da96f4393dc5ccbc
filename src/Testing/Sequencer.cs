using System.Diagnostics;

namespace Structured.Testing;

/// <summary>
/// Forces tasks to run pieces of code in a set order (Trio's <c>trio.testing.Sequencer</c>): a task that
/// awaits <c>BlockAsync(n)</c> goes on once the block numbered n - 1 has been left. Block 0 goes first.
/// </summary>
/// <example>
/// <code>
/// var seq = new Sequencer();
/// nursery.StartSoon(async () =>
/// {
///     using (await seq.BlockAsync(0)) { record.Add("a, first"); }
///     using (await seq.BlockAsync(2)) { record.Add("a, third"); }
/// });
/// nursery.StartSoon(async () =>
/// {
///     using (await seq.BlockAsync(1)) { record.Add("b, second"); }
/// });
/// </code>
/// </example>
/// <remarks>Each number may be used once. A wait that is cancelled breaks the sequence: every waiting and
/// later <see cref="BlockAsync"/> throws <see cref="InvalidOperationException"/>, so the test fails loudly
/// instead of hanging. Thread-safe.</remarks>
[DebuggerDisplay("Sequencer: {_claimed.Count} blocks claimed, broken = {_broken}")]
public sealed class Sequencer
{
    readonly Lock _gate = new();
    readonly Dictionary<int, Event> _points = [];
    readonly HashSet<int> _claimed = [];
    bool _broken;

    /// <summary>
    /// Waits until block <paramref name="position"/> - 1 has been left (at once for 0), and returns the
    /// block: dispose it (<c>using</c>) to let block <paramref name="position"/> + 1 go on.
    /// </summary>
    /// <param name="position">The block's number, 0 or more; each number may be used once.</param>
    /// <returns>The block; disposing it lets the next number go on. Disposing twice does nothing.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">
    /// <paramref name="position"/> was used before on this sequencer, or the sequence is broken because a
    /// wait was cancelled (that wait throws this too, instead of <see cref="Cancelled"/>).
    /// </exception>
    public async ValueTask<IDisposable> BlockAsync(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        Event point;
        lock (_gate)
        {
            if (!_claimed.Add(position))
                throw new InvalidOperationException($"Sequencer: block {position} was already used; give every block its own number.");
            if (_broken)
                throw new InvalidOperationException("Sequencer: the sequence is broken (a wait was cancelled); make a new Sequencer.");
            point = PointLocked(position);
        }
        if (position != 0)
        {
            try
            {
                await point.WaitAsync();
            }
#pragma warning disable STR103 // As Trio's Sequencer: a cancelled wait breaks the sequence, reported as an error to the test.
            catch (OperationCanceledException)
#pragma warning restore STR103
            {
                Event[] all;
                lock (_gate)
                {
                    _broken = true;
                    all = [.. _points.Values];
                }
                foreach (var e in all)
                    e.Set();
                throw new InvalidOperationException($"Sequencer: the wait for block {position} was cancelled; the sequence is broken.");
            }
            lock (_gate)
            {
                if (_broken)
                    throw new InvalidOperationException("Sequencer: the sequence is broken (a wait was cancelled); make a new Sequencer.");
            }
        }
        return new Block(this, position);
    }

    Event PointLocked(int position)
    {
        if (!_points.TryGetValue(position, out var point))
            _points[position] = point = new Event();
        return point;
    }

    void Leave(int position)
    {
        Event next;
        lock (_gate)
            next = PointLocked(position + 1);
        next.Set();
    }

    sealed class Block(Sequencer owner, int position) : IDisposable
    {
        int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
                owner.Leave(position);
        }
    }
}
