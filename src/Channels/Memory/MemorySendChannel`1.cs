using System.Diagnostics;

namespace Structured;

/// <summary>A send end of a memory channel: a handle on the shared <see cref="MemoryChannelCore{T}"/> with its own closed flag.</summary>
[DebuggerDisplay("{ToString(),nq}")]
internal sealed class MemorySendChannel<T> : SendChannel<T>, IChannelEnd
{
    readonly MemoryChannelCore<T> _core;

    // Written under the core's lock; read without it only for IsClosed.
    volatile bool _closed;

    internal MemorySendChannel(MemoryChannelCore<T> core)
    {
        _core = core;
        ChannelEndHooks.Created?.Invoke(this);
    }

    /// <summary>The channel this end belongs to.</summary>
    internal MemoryChannelCore<T> Core => _core;

    internal bool ClosedLocked => _closed;

    // Written under the core's lock before _closed, so a reader that sees the end closed sees it too.
    Exception? _completedWith;

    internal void MarkClosedLocked(Exception? error)
    {
        Volatile.Write(ref _completedWith, error);
        _closed = true;
    }

    internal override Exception? CompletedWith => _closed ? Volatile.Read(ref _completedWith) : null;

    public override bool IsClosed => _closed;

    public override ChannelStatistics Statistics => _core.Statistics;

    public override ValueTask SendAsync(T item, CancellationToken cancellationToken = default)
        => _core.SendAsync(this, item, cancellationToken);

    public override bool TrySend(T item) => _core.TrySend(this, item);

    public override SendChannel<T> Clone() => _core.CloneSend(this);

    public override void Close() => _core.CloseSend(this, error: null);

    internal override ValueTask<bool> WaitToSendAsync(CancellationToken cancellationToken)
        => _core.WaitToSendAsync(this, cancellationToken);

    internal override bool TryComplete(Exception? error) => _core.CloseSend(this, error);

    public override string ToString() => $"send end ({(_closed ? "closed" : "open")}) of a memory channel: {_core.Statistics}";
}
