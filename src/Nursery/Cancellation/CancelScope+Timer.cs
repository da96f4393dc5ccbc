namespace Structured;

// CancelScope, part: The scope's deadline timer: on the loop's timer heap, or a system timer off the loop.
public sealed partial class CancelScope
{
    void ArmTimer()
    {
        if (LoopOwner is { } loop)
        {
            loop.AddTimerDeferred(this, _deadline.Ticks);
            return;
        }
        _offLoopTimer?.Dispose();
        // Clamped: a deadline months away arms for the longest a system timer allows and re-arms when it fires.
        var due = SystemTimerDue.For(_deadline.Ticks);
        _offLoopTimer = TimeProvider.System.CreateTimer(static s => ((ILoopTimer)s!).Fire(), this, due, Timeout.InfiniteTimeSpan);
    }

    void DisarmTimer()
    {
        if (LoopOwner is { } loop)
        {
            loop.RemoveTimer(this);
            return;
        }
        _offLoopTimer?.Dispose();
        _offLoopTimer = null;
    }

    ref TimerSlot ILoopTimer.Slot => ref _timerSlot;

    void ILoopTimer.Fire()
    {
        // A system timer's callback may still run after the scope was left: an exited scope never fires.
        if (Volatile.Read(ref _state) != Active)
            return;
        var deadline = _deadline;
        if (LoopOwner is null && deadline.Ticks > Time.NowTicksFor(null))
        {
            // A system timer may fire a little early against the monotonic clock: never cancel before the deadline.
            using (new ScopeGate(Gate))
            {
                if (_state == Active && _deadline == deadline)
                    ArmTimer();
            }
            return;
        }
        try
        {
            RequestCancel(CancelReasons.Deadline(deadline), byDeadline: true);
        }
        catch (Exception e)
        {
            // A callback on a token of this scope's subtree threw as the deadline fired. Nobody called us to hand it
            // to (a timer did): it reaches the task that entered the scope, as an error at the scope's exit.
            NoteCallbackError(e);
        }
    }

    void NoteCallbackError(Exception error)
    {
        while (true)
        {
            var previous = Volatile.Read(ref _callbackError);
            var combined = previous is null ? error : new AggregateException(previous, error);
            if (Interlocked.CompareExchange(ref _callbackError, combined, previous) == previous)
                return;
        }
    }

    static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
