namespace NurseryTests;

/// <summary>
/// The bytes of the hot paths of issue 24, exact (bytes are deterministic; times live in the benchmarks): a loop child
/// that ends in its first step costs no parker, an off-loop sleep reuses one system timer, an off-loop scope with a
/// deadline makes no timer of its own. Each measure is the least of three windows: a one-off allocation on the thread
/// (a tiered JIT compile on a busy machine) lands in one window, a per-operation one in all three.
/// </summary>
public sealed class HotPathAllocationTests
{
    const int Children = 5_000, Windows = 3;

#pragma warning disable CS1998 // an async body without await is the form under test
    static readonly Func<Task> s_asyncLambda = static async () => { };

    static async Task EmptyChildAsync() { }
#pragma warning restore CS1998

    public static TheoryData<string> BodyForms => ["async lambda", "method group", "Task.CompletedTask"];

    [Theory]
    [MemberData(nameof(BodyForms))]
    public void A_loop_child_that_ends_in_its_first_step_allocates_its_task_and_nothing_else(string form)
    {
        long least = long.MaxValue;
        Run(async () =>
        {
            // A first nursery grows the ready queue to the size of the run (it keeps its buffer while the loop is busy).
            for (int window = -1; window < Windows; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                await Nursery.RunAsync(nursery =>
                {
                    for (int i = 0; i < Children; i++)
                    {
                        switch (form)
                        {
                            case "async lambda":
                                nursery.StartSoon(s_asyncLambda);
                                break;
                            case "method group":
                                nursery.StartSoon(EmptyChildAsync);
                                break;
                            default:
                                nursery.StartSoon(static () => Task.CompletedTask);
                                break;
                        }
                    }
                    return Task.CompletedTask;
                });
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (window >= 0)
                    least = Math.Min(least, allocated);
            }
        });
        // The task object (112 B) and a little for the nursery; a parker per child (144 B) would be 256 B and more.
        Assert.InRange(least / (double)Children, 0, 160);
    }

    [Fact]
    public void A_loop_child_that_outlives_its_first_step_keeps_the_context_it_began_with()
    {
        SynchronizationContext? inFirstStep = null, afterBlocking = null, ofSiblingThatEnded = null;
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(() =>
            {
                ofSiblingThatEnded = SynchronizationContext.Current;
                return Task.CompletedTask;
            });
            n.StartSoon(async () =>
            {
                inFirstStep = SynchronizationContext.Current;
                await Time.SleepAsync(S(1));
                afterBlocking = SynchronizationContext.Current;
            });
            return Task.CompletedTask;
        }));
        Assert.NotNull(inFirstStep);
        Assert.Same(inFirstStep, afterBlocking);
        // The sibling that ended at once handed the parker on: the next child's first step borrowed the same object.
        Assert.Same(ofSiblingThatEnded, inFirstStep);
    }

    [Fact]
    public void A_post_to_the_context_of_a_child_that_ended_at_once_still_runs_on_the_loop()
    {
        SynchronizationContext? captured = null;
        int loopThread = 0, ranOn = -1;
        Run(async () =>
        {
            loopThread = Environment.CurrentManagedThreadId;
            await Nursery.RunAsync(n =>
            {
                n.StartSoon(() =>
                {
                    captured = SynchronizationContext.Current;
                    return Task.CompletedTask;
                });
                return Task.CompletedTask;
            });
            var ran = new TaskCompletionSource();
            captured!.Post(_ =>
            {
                ranOn = Environment.CurrentManagedThreadId;
                ran.SetResult();
            }, null);
            await ran.Task;
        });
        Assert.Equal(loopThread, ranOn);
    }

    [Fact]
    public void Sleeps_off_the_loop_re_arm_one_system_timer()
    {
        OffLoopSleepTimer? first = null, second = null;
        OffLoop(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(1));
                first = TimerOf(TaskInfo.Current);
                await Time.SleepAsync(TimeSpan.FromMilliseconds(1));
                second = TimerOf(TaskInfo.Current);
            });
            return Task.CompletedTask;
        }));
        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Waits_outside_any_task_off_the_loop_share_the_thread_s_throwaway_task()
    {
        OffLoop(() =>
        {
            // Synchronously, on one pool thread: each wait outside a task would otherwise make a task and a parker.
            var first = Blocking.CurrentTask();
            var second = Blocking.CurrentTask();
            Assert.Same(first, second);
            Assert.Equal("(external)", first.Name);
            Assert.Null(first.Loop);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void A_system_timer_s_due_time_is_rounded_up_to_whole_milliseconds()
    {
        // .NET's timers truncate to milliseconds: 0.4 ms ahead would arm for 0 and fire at once, again and again.
        var due = SystemTimerDue.For(Time.NowTicksFor(null) + TimeSpan.TicksPerMillisecond * 4 / 10);
        Assert.True(due == TimeSpan.Zero || due == TimeSpan.FromMilliseconds(1), $"due {due}");
        var later = SystemTimerDue.For(Time.NowTicksFor(null) + TimeSpan.FromSeconds(10).Ticks + 1);
        Assert.Equal(0, later.Ticks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public void An_off_loop_scope_with_a_deadline_is_armed_on_the_shared_deadline_heap()
    {
        bool armedInside = false, armedAfter = true;
        OffLoop(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                var scope = CancelScope.MoveOnAfter(TimeSpan.FromHours(1));
                await scope.RunAsync(() =>
                {
                    armedInside = TimerHeap.IsArmed(scope);
                    return Task.CompletedTask;
                });
                armedAfter = TimerHeap.IsArmed(scope);
            });
            return Task.CompletedTask;
        }));
        Assert.True(armedInside);
        Assert.False(armedAfter);
    }

    [Fact]
    public void A_cancel_scope_object_is_at_most_144_bytes()
    {
        // 152 B before its state and cancel flag became bytes; the scope is allocated per enter + exit (W4, issue 24).
        const int count = 1_000;
        var keep = new CancelScope[count];
        long least = long.MaxValue;
        for (int window = 0; window < Windows; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < count; i++)
                keep[i] = CancelScope.MoveOnAfter(TimeSpan.FromHours(1));
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        GC.KeepAlive(keep);
        Assert.InRange(least / (double)count, 0, 144);
    }

    static OffLoopSleepTimer? TimerOf(TaskInfo task) => task.OwnParker?.LinksOrNull?.KeptTimer as OffLoopSleepTimer;
}
