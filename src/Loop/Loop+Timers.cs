using System.Diagnostics;

namespace Structured;

// The loop's timers: the heap of deadlines and sleeps, the timers armed at the end of a step, and the
// callbacks of the clock's own timers (Task.Delay, PeriodicTimer, CancellationTokenSource on a VirtualClock).
public sealed partial class Loop
{
    ILoopTimer[] _deferredTimers = new ILoopTimer[MinDeferredTimers];
    int _deferredCount;

    const int MinDeferredTimers = 8;

    /// <summary>The length of the array of timers armed during a step (for tests: it shrinks after a burst).</summary>
    internal int DeferredTimersCapacity => _deferredTimers.Length;

    /// <summary>The capacity of the timer heap (for tests: it shrinks after a burst).</summary>
    internal int TimerHeapCapacity => _timers.Capacity;

    /// <summary>The capacity of the ready queue (for tests: it shrinks after a burst).</summary>
    internal int ReadyQueueCapacity => _ready.Capacity;

    void FireDueTimers()
    {
        if (_timers.Count != 0)
        {
            long now = FreshNowTicks;
            while (_timers.PopDue(now) is { } timer)
            {
                // A deadline's Fire cancels a scope, which runs the callbacks registered on its token: one
                // that throws must not end the loop nor keep the other due timers from firing (issue 12, item 6).
                try
                {
                    timer.Fire();
                }
                catch (Exception e)
                {
                    ReportCallbackError(e);
                }
            }
        }
        // A running virtual clock moves by itself: its timers fire as its time passes, as loop work.
        if (_virtualClock is { Rate: > 0 } clock)
            clock.FireDue();
    }

    /// <summary>
    /// Runs the callback of one of the clock's timers (a BCL timer on a <see cref="VirtualClock"/>) as loop work:
    /// a ready-queue item, seen by instruments and traces; an exception it throws is reported, not fatal.
    /// Safe from any thread.
    /// </summary>
    internal void EnqueueClockCallback(Action fire)
        => EnqueueCallback(null, (Action<object?>)(_ => RunCallbackSafely(fire)), null);

    void RunCallbackSafely(Action fire)
    {
        try
        {
            fire();
        }
        catch (Exception e)
        {
            ReportCallbackError(e);
        }
    }

    internal void AddTimer(ILoopTimer timer, long dueTicks)
    {
        Debug.Assert(IsOnLoopThread);
        _timers.Add(timer, dueTicks);
    }

    internal void RemoveTimer(ILoopTimer timer)
    {
        Debug.Assert(IsOnLoopThread);
        ref var slot = ref timer.Slot;
        if (slot.HeapPosition >= 0)
        {
            _timers.Remove(timer);
            return;
        }
        int index = -slot.HeapPosition - 1;
        var last = _deferredTimers[--_deferredCount];
        _deferredTimers[index] = last;
        last.Slot.HeapPosition = -(index + 1);
        _deferredTimers[_deferredCount] = null!;
        slot.HeapPosition = 0;
    }

    /// <summary>
    /// Arms a timer at the end of the current step rather than now. A cancel scope entered and left within
    /// one step (the common case, workload W4) then never touches the heap; the timer keeps the arming order
    /// it had when armed, and timers are only looked at between steps, so nothing else changes.
    /// </summary>
    internal void AddTimerDeferred(ILoopTimer timer, long dueTicks)
    {
        Debug.Assert(IsOnLoopThread);
        RemoveTimer(timer);
        ref var slot = ref timer.Slot;
        slot.DueTicks = dueTicks;
        slot.Sequence = _timers.NextSequence();
        if (_deferredCount == _deferredTimers.Length)
            Array.Resize(ref _deferredTimers, _deferredTimers.Length * 2);
        _deferredTimers[_deferredCount] = timer;
        slot.HeapPosition = -(++_deferredCount);
    }

    void FlushDeferredTimers()
    {
        for (int i = 0; i < _deferredCount; i++)
        {
            var timer = _deferredTimers[i];
            _deferredTimers[i] = null!;
            timer.Slot.HeapPosition = 0;
            _timers.Insert(timer);
        }
        // A step that armed many timers at once must not keep a large array for the loop's lifetime. Halved
        // when a flush used under a quarter of it (hysteresis: a steady load never reallocates); the array
        // is empty here, so shrinking copies nothing.
        if (_deferredTimers.Length > MinDeferredTimers && _deferredCount < _deferredTimers.Length / 4)
            _deferredTimers = new ILoopTimer[_deferredTimers.Length / 2];
        _deferredCount = 0;
    }
}
