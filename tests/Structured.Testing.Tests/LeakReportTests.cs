namespace TestingTests;

/// <summary>
/// The leak report of a test loop run (issue 15): channel ends never closed, Task.Run work unfinished at the end, tasks
/// alive on demand, creation stacks, and the error paths. Work on the thread pool is held by a gate that opens only
/// after the run, and joined then: whether it is unfinished at the end never depends on timing.
/// </summary>
public class LeakReportTests
{
    static TestLoopOptions Failing(bool stacks = false) => new() { Leaks = LeakCheck.Fail, CaptureCreationStacks = stacks };

    static LeakException Leaked(Func<Task> body, bool stacks = false)
        => OnFreshThread(() => Assert.Throws<LeakException>(() => TestLoop.Run(body, Failing(stacks))));

    [Fact]
    public void Channel_ends_never_closed_fail_the_run_with_who_created_them_and_the_fix()
    {
        var e = Leaked(async () =>
        {
            var (send, receive) = MemoryChannel.Create<int>(1);
            var (closedSend, closedReceive) = MemoryChannel.Create<int>(0);
            closedSend.Close();
            await closedReceive.DisposeAsync();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var clone = send.Clone();
                    await clone.SendAsync(1);
                }, "producer");
                await Task.CompletedTask;
            });
            send.Close();
            _ = receive;
        });

        Assert.Equal([LeakKind.ChannelEnd, LeakKind.ChannelEnd], e.Leaks.Select(l => l.Kind));
        Assert.StartsWith("receive end (open) of a memory channel", e.Leaks[0].Description, StringComparison.Ordinal);
        Assert.Equal("main", e.Leaks[0].CreatedBy);
        Assert.StartsWith("send end (open) of a memory channel", e.Leaks[1].Description, StringComparison.Ordinal);
        Assert.Equal("producer", e.Leaks[1].CreatedBy); // the clone
        Assert.All(e.Leaks, l => Assert.Null(l.CreationStack));
        Assert.StartsWith("Leak: the test loop run ended and left 2 things behind:", e.Message, StringComparison.Ordinal);
        Assert.Contains("was never closed, created by task 'producer'", e.Message, StringComparison.Ordinal);
        Assert.Contains("close every channel end when done with it", e.Message, StringComparison.Ordinal);
        Assert.Contains("Set TestLoopOptions.CaptureCreationStacks = true", e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.Trace);
    }

    [Fact]
    public void With_creation_stacks_each_leak_says_where_it_was_created()
    {
        var e = Leaked(async () =>
        {
            _ = MemoryChannel.Create<string>(MemoryChannel.Unbounded).Send;
            await Task.CompletedTask;
        }, stacks: true);

        Assert.Equal(2, e.Leaks.Count);
        var stack = e.Leaks[0].CreationStack;
        Assert.NotNull(stack);
        Assert.Contains(nameof(With_creation_stacks_each_leak_says_where_it_was_created), stack, StringComparison.Ordinal);
        Assert.Contains("LeakReportTests.cs:line", stack, StringComparison.Ordinal);
        Assert.DoesNotContain("Structured.MemoryChannel", stack, StringComparison.Ordinal); // the library's frames are left out
        Assert.Contains(", at:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_Run_work_unfinished_at_the_end_is_a_leak_named_after_the_task_that_started_it()
    {
        using var gate = new ManualResetEventSlim();
        Task? escaped = null;
        LeakException e;
        try
        {
            e = Leaked(async () =>
            {
                await Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () =>
                    {
                        escaped = Task.Run(() => gate.Wait()); // fire and forget: held until after the run
                        await Task.CompletedTask;
                    }, "spawner");
                    await Task.CompletedTask;
                });
            }, stacks: true);
        }
        finally
        {
            gate.Set();
            escaped?.Wait(LoopHarness.Watchdog);
        }

        var leak = Assert.Single(e.Leaks);
        Assert.Equal(LeakKind.ThreadPoolWork, leak.Kind);
        Assert.Equal($"Task.Run task #{escaped!.Id} was started outside every nursery and had not finished when the run ended", leak.Description);
        Assert.Equal("spawner", leak.CreatedBy);
        Assert.Contains(nameof(Task_Run_work_unfinished_at_the_end_is_a_leak_named_after_the_task_that_started_it), leak.CreationStack, StringComparison.Ordinal);
        Assert.Contains("run blocking work with ToThread.RunAsync", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Awaited_Task_Run_and_work_on_the_loops_own_scheduler_are_no_leaks()
    {
        var trace = OnFreshThread(() => TestLoop.Run(async () =>
        {
            // The pool work is let finish before it is awaited: awaiting unfinished work outside the loop is an escape
            // the test loop reports as a deadlock if the loop goes idle first (a race this test is not about).
            var work = Task.Run(() => 42);
            SpinWait.SpinUntil(() => work.IsCompleted);
            int answer = await work;
            await Task.Factory.StartNew(() => answer++, CancellationToken.None, TaskCreationOptions.None, Loop.Current!.Scheduler);
            var (send, receive) = MemoryChannel.Create<int>(1);
            await using (send)
            await using (receive)
                await send.SendAsync(answer);
        }, Failing()));

        Assert.Empty(trace.Leaks);
    }

    [Fact]
    public void Report_mode_lists_the_leaks_in_the_trace_and_does_not_fail()
    {
        var trace = OnFreshThread(() => TestLoop.Run(async () =>
        {
            _ = MemoryChannel.Create<int>(0);
            await Time.SleepAsync(TimeSpan.FromSeconds(1));
        }, new TestLoopOptions { Leaks = LeakCheck.Report }));

        Assert.Equal(2, trace.Leaks.Count);
        Assert.All(trace.Leaks, l => Assert.Equal(LeakKind.ChannelEnd, l.Kind));
    }

    [Fact]
    public void By_default_nothing_is_tracked()
    {
        var trace = OnFreshThread(() => TestLoop.Run(async () =>
        {
            _ = MemoryChannel.Create<int>(0);
            await Task.CompletedTask;
        }));
        Assert.Empty(trace.Leaks);

        var off = OnFreshThread(() => TestLoop.Run(async () =>
        {
            _ = MemoryChannel.Create<int>(0);
            await Task.CompletedTask;
        }, new TestLoopOptions()));
        Assert.Empty(off.Leaks);
    }

    [Fact]
    public void FindLeaks_during_the_run_lists_tasks_alive_and_open_ends_but_not_the_caller()
    {
        IReadOnlyList<Leak>? during = null, afterCleanUp = null;
        var trace = OnFreshThread(() => TestLoop.Run(async () =>
        {
            var release = new Event();
            var (send, receive) = MemoryChannel.Create<int>(0);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(() => release.WaitAsync().AsTask(), "waiter");
                await TestLoop.WaitAllTasksBlockedAsync();
                during = TestLoop.FindLeaks();
                release.Set();
            });
            send.Close();
            receive.Close();
            afterCleanUp = TestLoop.FindLeaks();
        }, Failing(stacks: true)));

        Assert.NotNull(during);
        Assert.Equal([LeakKind.Task, LeakKind.ChannelEnd, LeakKind.ChannelEnd], during.Select(l => l.Kind));
        Assert.Matches("^task 'waiter' #\\d+ is still alive \\(Blocked, waiting on Event.WaitAsync\\)$", during[0].Description);
        Assert.Equal("main", during[0].CreatedBy);
        Assert.Contains(nameof(FindLeaks_during_the_run_lists_tasks_alive_and_open_ends_but_not_the_caller), during[0].CreationStack, StringComparison.Ordinal);
        Assert.Empty(afterCleanUp!);
        Assert.Empty(trace.Leaks);
    }

    [Fact]
    public void Ends_created_on_another_thread_belong_to_no_run()
    {
        var trace = OnFreshThread(() => TestLoop.Run(async () =>
        {
            // On a worker thread (ToThread): outside the run's thread, as are other tests running in parallel.
            _ = await ToThread.RunAsync(() => MemoryChannel.Create<int>(0));
        }, Failing()));
        Assert.Empty(trace.Leaks);
    }

    [Fact]
    public void The_bodys_failure_wins_over_leaks_and_a_deadlock_stays_a_deadlock()
    {
        var failure = OnFreshThread(() => Assert.Throws<InvalidOperationException>(() => TestLoop.Run(async () =>
        {
            _ = MemoryChannel.Create<int>(0);
            await Task.CompletedTask;
            throw new InvalidOperationException("the test's own failure");
        }, Failing())));
        Assert.Equal("the test's own failure", failure.Message);

        OnFreshThread(() => Assert.Throws<DeadlockException>(() => TestLoop.Run(async () =>
        {
            var (_, receive) = MemoryChannel.Create<int>(0);
            var (send, _) = MemoryChannel.Create<int>(0);
            _ = send;
            await receive.ReceiveAsync();
        }, Failing())));
    }

    [Fact]
    public void Misuse_throws_at_the_call_with_the_fix()
    {
        var outside = Assert.Throws<InvalidOperationException>(() => TestLoop.FindLeaks());
        Assert.Contains("LeakCheck.Report", outside.Message, StringComparison.Ordinal);
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            await Task.CompletedTask;
            Assert.Throws<InvalidOperationException>(() => TestLoop.FindLeaks()); // a run that tracks nothing
        }));
        Assert.Throws<ArgumentNullException>(() => TestLoop.Run(() => Task.CompletedTask, (TestLoopOptions)null!));
        Assert.Throws<ArgumentNullException>(() => TestLoop.Run(null!, new TestLoopOptions()));
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => TestLoop.Run(() => Task.CompletedTask, new TestLoopOptions { Leaks = (LeakCheck)7 }));
        Assert.Contains("LeakCheck.Off, Report or Fail", bad.Message, StringComparison.Ordinal);
    }
}
