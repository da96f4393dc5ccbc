using System.Diagnostics;

namespace Structured;

/// <summary>A receive end of a memory channel: a handle on the shared <see cref="MemoryChannelCore{T}"/> with its own closed flag.</summary>
[DebuggerDisplay("{ToString(),nq}")]
internal sealed class MemoryReceiveChannel<T> : ReceiveChannel<T>, IChannelEnd
{
    readonly MemoryChannelCore<T> _core;

    // Written under the core's lock; read without it only for IsClosed.
    volatile bool _closed;

    internal MemoryReceiveChannel(MemoryChannelCore<T> core)
    {
        _core = core;
        ChannelEndHooks.Created?.Invoke(this);
    }

    /// <summary>The channel this end belongs to.</summary>
    internal MemoryChannelCore<T> Core => _core;

    internal bool ClosedLocked => _closed;

    internal void MarkClosedLocked() => _closed = true;

    /// <summary>The reader view's Completion, created on first use; guarded by the core's lock.</summary>
    internal TaskCompletionSource? CompletionSource;

    public override bool IsClosed => _closed;

    public override ChannelStatistics Statistics => _core.Statistics;

    public override ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
        => _core.ReceiveAsync(this, cancellationToken);

    public override bool TryReceive(out T item) => _core.TryReceive(this, out item);

    public override ReceiveChannel<T> Clone() => _core.CloneReceive(this);

    public override void Close() => _core.CloseReceive(this);

    internal override ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken)
        => _core.WaitToReceiveAsync(this, cancellationToken);

    internal override bool TryPeek(out T item) => _core.TryPeek(this, out item);

    internal override int ReadyCount => _core.ReadyCount;

    internal override Task Completion => _core.GetCompletion(this);

    internal override Exception? CompletionError => _core.CompletionError;

    public override string ToString() => $"receive end ({(_closed ? "closed" : "open")}) of a memory channel: {_core.Statistics}";
}
