using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Structured;

/// <summary>
/// A receive end of signals: a memory channel's receive end that also tells its <see cref="SignalSource"/> what was
/// received (for coalescing) and when it closes (to unregister the handlers).
/// </summary>
internal sealed class SignalReceiveChannel : ReceiveChannel<PosixSignal>
{
    readonly SignalSource _source;
    readonly ReceiveChannel<PosixSignal> _inner;
    int _closed;

    internal SignalReceiveChannel(SignalSource source, ReceiveChannel<PosixSignal> inner)
    {
        _source = source;
        _inner = inner;
    }

    public override bool IsClosed => _inner.IsClosed;

    public override ChannelStatistics Statistics => _inner.Statistics;

    public override async ValueTask<PosixSignal> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        var signal = await _inner.ReceiveAsync(cancellationToken);
        _source.Received(signal);
        return signal;
    }

    public override bool TryReceive([MaybeNullWhen(false)] out PosixSignal item)
    {
        if (!_inner.TryReceive(out item))
            return false;
        _source.Received(item);
        return true;
    }

    public override ReceiveChannel<PosixSignal> Clone()
    {
        var clone = _inner.Clone();
        _source.AddEnd();
        return new SignalReceiveChannel(_source, clone);
    }

    public override void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _inner.Close();
        _source.RemoveEnd();
    }

    internal override ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken) => _inner.WaitToReceiveAsync(cancellationToken);

    internal override bool TryPeek([MaybeNullWhen(false)] out PosixSignal item) => _inner.TryPeek(out item);

    internal override bool CanCount => _inner.CanCount;

    internal override bool CanPeek => _inner.CanPeek;

    internal override int ReadyCount => _inner.ReadyCount;

    internal override Task Completion => _inner.Completion;

    internal override Exception? CompletionError => _inner.CompletionError;

    public override string ToString() => $"signal receiver ({(IsClosed ? "closed" : "open")}): {_inner.Statistics}";
}
