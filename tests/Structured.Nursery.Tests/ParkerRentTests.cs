using System.Reflection;

namespace NurseryTests;

/// <summary>
/// A wait that turns out not to block must not keep its task's parker rented: off the loop the throwaway task of a
/// thread is reused by every wait on that thread, and a parker left rented made each later wait there allocate a
/// fresh one (issue 24: Event.WaitAsync, then every channel wait and sleep on those threads, 140-300 B each).
/// </summary>
public class ParkerRentTests
{
    [Fact]
    public void An_event_set_between_the_first_check_and_the_lock_leaves_the_parker_free()
    {
        var ev = new Event();
        // The event's wait queue is also its lock: holding it keeps the waiter between its two checks of IsSet.
        object gate = typeof(Event).GetField("_waiters", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(ev)!;
        var isSet = typeof(Event).GetField("_isSet", BindingFlags.NonPublic | BindingFlags.Instance)!;
        bool completed = false, free = false;
        var waiter = new Thread(() =>
        {
            var task = Blocking.CurrentTask();
            completed = CompletedAtOnce(ev.WaitAsync());
            free = task.OwnParker is not { } parker || parker.IsFree;
        });
        Monitor.Enter(gate);
        try
        {
            waiter.Start();
            // The waiter blocks on the event's lock once it has seen the event not set.
            var guard = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while ((waiter.ThreadState & ThreadState.WaitSleepJoin) == 0)
            {
                Assert.True(DateTime.UtcNow < guard, "the waiter never reached the event's lock");
                Thread.Yield();
            }
            isSet.SetValue(ev, true);
        }
        finally
        {
            Monitor.Exit(gate);
        }
        Assert.True(waiter.Join(TimeSpan.FromMinutes(5)), "the waiter hung");
        Assert.True(completed, "a wait on a set event completes without blocking");
        Assert.True(free, "the task's parker is still rented after a wait that did not block");
    }

    static bool CompletedAtOnce(ValueTask wait)
    {
        bool completed = wait.IsCompleted;
        wait.GetAwaiter().GetResult();
        return completed;
    }
}
