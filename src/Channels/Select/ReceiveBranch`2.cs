namespace Structured;

/// <summary>A select branch that receives one item from a memory channel.</summary>
internal sealed class ReceiveBranch<T, TResult>(MemoryReceiveChannel<T> end, Func<T, TResult> onItem, Func<TResult>? onEnd)
    : SelectBranch<TResult>
{
    readonly MemoryChannelCore<T> _core = end.Core;
    ChannelWaiter<T>? _waiter;
    T _item = default!;

    internal override ISelectableChannel Channel => _core;

    internal override SelectStatus TryNowLocked(out Exception? error)
        => _core.TrySelectReceiveLocked(end, out _item, out error);

    internal override void EnqueueLocked(Parker parker, SelectWaiter select, int index)
        => _waiter = _core.EnqueueSelectLocked(end, isSender: false, default!, parker, select, index);

    internal override void AbortWait(Parker parker)
    {
        if (_waiter is { } waiter)
            _core.Abort(waiter, parker);
    }

    internal override void FinishWait(bool won)
    {
        var item = _core.FinishSelect(_waiter!);
        _waiter = null;
        if (won)
            _item = item;
    }

    internal override TResult Complete()
    {
        var item = _item;
        _item = default!;
        return onItem(item);
    }

    internal override bool TryCompleteEnd(out TResult result)
    {
        if (onEnd is null)
        {
            result = default!;
            return false;
        }
        result = onEnd();
        return true;
    }
}
