namespace Structured.Testing;

/// <summary>How <see cref="TestLoop.Run(Func{Task}, TestLoopOptions)"/> runs a test: schedule, clock, and the leak check.</summary>
/// <example>
/// <code>
/// TestLoop.Run(body, new TestLoopOptions { Leaks = LeakCheck.Fail, CaptureCreationStacks = true });
/// </code>
/// </example>
public sealed class TestLoopOptions
{
    /// <summary>Which ready task runs next at each step.</summary>
    /// <value>The default is null: <see cref="Schedule.Fifo"/>.</value>
    public Schedule? Schedule { get; set; }

    /// <summary>
    /// The most task steps the run may take: past it the run ends with <see cref="StepBoundExceededException"/> (a task
    /// spinning on a yield forever, a livelock), instead of hanging the test.
    /// </summary>
    /// <value>The default is null: no bound. <c>ConcurrencyProperty.ForAll</c> sets <see cref="ExplorationOptions.MaxStepsPerRun"/>.</value>
    public int? MaxSteps { get; set; }

    /// <summary>
    /// Whether every spawn (<c>StartSoon</c>, <c>StartSoonForResult</c>) is a choice point: the spawner may be preempted
    /// right after it, so that the new child or any other ready task runs before the spawner goes on, as a thread may
    /// after <c>pthread_create</c> and a task after Coyote's <c>Task.Run</c>.
    /// </summary>
    /// <value>
    /// The default is false: a spawn queues the child and the spawner runs on until its next await (the loop's own
    /// behaviour), so spawns in a loop make their children ready together.
    /// </value>
    /// <remarks>
    /// <para>With it, a spawn behaves as <c>StartSoon(...)</c> followed by <c>await Checkpoint.YieldAsync()</c> at the
    /// very point of the call, even inside synchronous code: the spawner's step ends there (the trace shows it
    /// yielding), the schedule picks among the ready tasks and the spawner, and steps it picks run inside the
    /// <c>StartSoon</c> call until it picks the spawner again. Every <see cref="ScheduleStrategy"/> sees these choice
    /// points as it sees a yield (the spawner becomes ready again, readied by itself), and the choices replay.</para>
    /// <para>It finds bugs where a child must run before the code right after its spawn (a use before
    /// initialisation), and hides some others: a spawner that yields at each spawn lets the children created first run
    /// ahead of those created last (SCTBench's <c>reorder</c> bugs need the last one early). Do not hold a
    /// <c>lock</c> (a <see cref="Monitor"/>) across a spawn with it: the steps run on the same thread, and a monitor is
    /// reentrant. Cancellation is not checked at this point.</para>
    /// </remarks>
    public bool YieldAtSpawn { get; set; }

    /// <summary>
    /// Whether every operation of the library that completes without blocking (an uncontended
    /// <see cref="AsyncLock.AcquireAsync"/>, a send with room, a receive with an item waiting, a wait on a set
    /// <see cref="Event"/>, a semaphore or capacity limiter with a token free, a select that finds a branch ready) is a
    /// choice point: the task yields after it, so that others may run between any two operations, as between two
    /// lock operations of threads.
    /// </summary>
    /// <value>
    /// The default is false: such operations yield only once per cooperative budget
    /// (<see cref="LoopOptions.DefaultCooperativeBudget"/>, 128 in a row), so code ported from threads needs explicit
    /// <c>Checkpoint.YieldAsync</c> calls before some interleavings (two locks taken in opposite orders) can happen.
    /// </value>
    /// <remarks>
    /// It runs the loop with a <see cref="LoopOptions.CooperativeBudget"/> of 1. The yield comes after the operation has
    /// taken effect (the lock is held, the item taken) and does not check cancellation on resuming (Trio's
    /// <c>cancel_shielded_checkpoint</c>): a cancellation that arrives during it is delivered at the next checkpoint,
    /// and nothing is lost. Blocking operations and <c>Checkpoint.YieldAsync</c> are choice points anyway.
    /// </remarks>
    public bool YieldAtEveryOperation { get; set; }

    /// <summary>The clock.</summary>
    /// <value>The default is null: a new <see cref="VirtualClock"/> with autojump (sleeps take no real time).</value>
    public VirtualClock? Clock { get; set; }

    /// <summary>Whether the run tracks what the test leaves behind (channel ends never closed, work left on the thread pool), and what it does about it.</summary>
    /// <value>
    /// The default is <see cref="LeakCheck.Off"/>. Opt-in because an open channel end is harmless in many tests, and the
    /// detection of <c>Task.Run</c> listens to the runtime's task events process-wide while such a run lasts.
    /// </value>
    public LeakCheck Leaks { get; set; }

    /// <summary>Whether each task, channel end and <c>Task.Run</c> of the run records the stack it was created at, for <see cref="Leak.CreationStack"/>.</summary>
    /// <value>The default is false: a stack costs microseconds per creation. Ignored when <see cref="Leaks"/> is <see cref="LeakCheck.Off"/>.</value>
    public bool CaptureCreationStacks { get; set; }
}
