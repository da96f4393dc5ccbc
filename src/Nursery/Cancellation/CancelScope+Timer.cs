namespace Structured;

// CancelScope, part: The scope's deadline timer: on the loop's timer heap, or off the loop on the one heap of OffLoopDeadlines.
public sealed partial class CancelScope
{
    void ArmTimer()
    {
        if (LoopOwner is { } loop)
        {
            loop.AddTimerDeferred(this, _deadline.Ticks);
            return;
        }
        OffLoopDeadlines.Add(this, _deadline.Ticks);
    }

    void DisarmTimer()
    {
        if (LoopOwner is { } loop)
        {
            loop.RemoveTimer(this);
            return;
        }
        if (TimerHeap.IsArmed(this))
            OffLoopDeadlines.Remove(this);
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
        NurseryTelemetry.DeadlineFired();
        // A callback on a token of this scope's subtree may throw as the deadline fires. Nobody called us to hand that
        // to (a timer did): it reaches the task that entered the scope, as an error at the scope's exit.
        if (LoopOwner is not null)
        {
            RequestCancel(s_deadlineReasonUnbuilt, byDeadline: true, errorsTo: this);
            return;
        }
        // Off the loop the body may see the cancellation (and leave the scope) on another thread while the callbacks
        // still run here: the exit waits for this to finish, so a callback's error is never lost (see Exit).
        var rare = Rare;
        Volatile.Write(ref rare.FiringThread, Environment.CurrentManagedThreadId);
        try
        {
            RequestCancel(s_deadlineReasonUnbuilt, byDeadline: true, errorsTo: this);
        }
        finally
        {
            Volatile.Write(ref rare.FiringThread, 0);
        }
    }

    /// <summary>Off the loop: waits until a deadline that is firing on another thread has run its token callbacks.</summary>
    void WaitForFiringDeadline()
    {
        var spin = new SpinWait();
        var rare = Rare;
        for (int thread; (thread = Volatile.Read(ref rare.FiringThread)) != 0 && thread != Environment.CurrentManagedThreadId;)
            spin.SpinOnce();
    }

    internal void NoteCallbackError(Exception error)
    {
        while (true)
        {
            var previous = Volatile.Read(ref Rare.CallbackError);
            var combined = previous is null ? error : new AggregateException(previous, error);
            if (Interlocked.CompareExchange(ref Rare.CallbackError, combined, previous) == previous)
                return;
        }
    }

    static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
