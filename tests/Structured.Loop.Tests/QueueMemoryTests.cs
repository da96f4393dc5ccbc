namespace LoopTests;

// Issue 12, item 16: the ready queue, the timer heap and the deferred-timer array give memory back after a burst.
public class QueueMemoryTests
{
    [Fact]
    public void The_ready_queue_shrinks_back_after_a_burst_of_a_million_items()
    {
        var queue = new ReadyQueue();
        for (int i = 0; i < 1_000_000; i++)
            queue.Enqueue(new WorkItem(null, (Action<object?>)(_ => { }), null, 0));
        Assert.True(queue.Capacity >= 1_000_000);
        while (queue.Count > 0)
            queue.Dequeue();
        Assert.Equal(ReadyQueue.KeepWhileBusyCapacity, queue.Capacity);
        queue.TrimWhenIdle();
        Assert.Equal(ReadyQueue.KeepWhenIdleCapacity, queue.Capacity);
    }

    [Fact]
    public void The_ready_queue_keeps_its_buffer_across_repeated_bursts_while_busy()
    {
        // A loop that spawns 100,000 children again and again must not pay for regrowing the buffer each time.
        var queue = new ReadyQueue();
        var item = new WorkItem(null, (Action<object?>)(_ => { }), null, 0);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 100_000; i++)
                queue.Enqueue(item);
            int capacity = queue.Capacity;
            while (queue.Count > 0)
                queue.Dequeue();
            Assert.Equal(capacity, queue.Capacity);
        }
        queue.TrimWhenIdle();
        Assert.Equal(ReadyQueue.KeepWhenIdleCapacity, queue.Capacity);
    }

    [Fact]
    public void The_ready_queue_does_not_resize_back_and_forth_at_a_steady_size()
    {
        var queue = new ReadyQueue();
        var item = new WorkItem(null, (Action<object?>)(_ => { }), null, 0);
        for (int i = 0; i < 100; i++)
            queue.Enqueue(item);
        int capacity = queue.Capacity;
        for (int i = 0; i < 10_000; i++)
        {
            queue.Enqueue(item);
            queue.Dequeue();
        }
        Assert.Equal(capacity, queue.Capacity);
    }

    [Fact]
    public void The_timer_heap_shrinks_back_after_a_burst()
    {
        var heap = new TimerHeap();
        var timers = Enumerable.Range(0, 100_000).Select(_ => new TestTimer()).ToList();
        for (int i = 0; i < timers.Count; i++)
            heap.Add(timers[i], i);
        Assert.True(heap.Capacity >= 100_000);
        foreach (var timer in timers)
            heap.Remove(timer);
        Assert.Equal(TimerHeap.MinCapacity, heap.Capacity);
    }

    [Fact]
    public void A_loop_that_woke_a_hundred_thousand_tasks_at_once_keeps_no_large_buffers()
    {
        int readyCapacity = 0, heapCapacity = 0, deferredCapacity = 0, peakReady = 0;
        Run(async () =>
        {
            var loop = Loop.Current!;
            var go = new Event();
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 100_000; i++)
                {
                    n.StartSoon(async () =>
                    {
                        await CancelScope.MoveOnAfter(S(1)).RunAsync(async () => await go.WaitAsync());
                    });
                }
                await TestLoopless.AllBlocked();
                go.Set();
                peakReady = loop.ReadyQueueCapacity;
            });
            await Time.SleepAsync(S(1)); // the loop goes idle: that is when the drained burst's buffer goes
            readyCapacity = loop.ReadyQueueCapacity;
            heapCapacity = loop.TimerHeapCapacity;
            deferredCapacity = loop.DeferredTimersCapacity;
        });
        Assert.True(peakReady >= 100_000);
        Assert.True(readyCapacity <= ReadyQueue.KeepWhenIdleCapacity, $"ready queue kept {readyCapacity} slots");
        Assert.Equal(TimerHeap.MinCapacity, heapCapacity);
        Assert.True(deferredCapacity <= 16, $"deferred-timer array kept {deferredCapacity} slots");
    }

    sealed class TestTimer : ILoopTimer
    {
        TimerSlot _slot;
        public ref TimerSlot Slot => ref _slot;
        public void Fire() { }
    }

    static class TestLoopless
    {
        /// <summary>Lets every started child run up to its first block (FIFO: one yield per generation suffices twice).</summary>
        internal static async Task AllBlocked()
        {
            await Checkpoint.YieldAsync();
            await Checkpoint.YieldAsync();
        }
    }
}
