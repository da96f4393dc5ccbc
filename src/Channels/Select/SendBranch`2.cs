namespace Structured;

/// <summary>A select branch that sends one item to a memory channel.</summary>
internal sealed class SendBranch<T, TResult>(MemorySendChannel<T> end, T item, Func<TResult> onSent) : SelectBranch<TResult>
{
    readonly MemoryChannelCore<T> _core = end.Core;
    ChannelWaiter<T>? _waiter;

    internal override ISelectableChannel Channel => _core;

    internal override SelectStatus TryNowLocked(out Exception? error)
        => _core.TrySelectSendLocked(end, item, out error);

    internal override void EnqueueLocked(Parker parker, SelectWaiter select, int index)
        => _waiter = _core.EnqueueSelectLocked(end, isSender: true, item, parker, select, index);

    internal override void AbortWait(Parker parker)
    {
        if (_waiter is { } waiter)
            _core.Abort(waiter, parker);
    }

    internal override void FinishWait(bool won)
    {
        _core.FinishSelect(_waiter!);
        _waiter = null;
    }

    internal override TResult Complete() => onSent();
}
