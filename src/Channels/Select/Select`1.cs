using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// Waits on several channel operations at once and completes exactly one of them (Go's <c>select</c>, Kotlin's
/// <c>select</c>): receive from whichever channel has an item first, or send to whichever has room, or give up after
/// a timeout. Build it with <see cref="Select"/>'s methods or <c>new Select&lt;TResult&gt;()</c>, then await
/// <see cref="RunAsync"/>; the handler of the branch that won makes the result.
/// </summary>
/// <remarks>
/// <para><b>Exactly one branch.</b> One branch's operation happens and its handler runs; every other branch took
/// nothing and delivered nothing: an item offered by a losing send branch was never sent (the caller still owns
/// it), a losing receive branch left its channel untouched. A cancellation (the ambient cancel scope or the token)
/// either comes before any branch completed, and then no branch did, or after one did, and then that branch's
/// result is returned (the select is a checkpoint only before it completes).</para>
/// <para><b>Fairness.</b> When several branches are ready at once, the branch tried first turns from one select
/// to the next of the same task: a select built afresh each time takes the task's next turn, a select that is run
/// again goes on from its own last turn. So within any <c>n</c> runs of one select, or <c>n</c> selects built afresh
/// by one task, of <c>n</c> branches, each branch is tried first once, and a branch that is always ready cannot
/// starve the others, whatever other tasks select on the same channels (Go chooses at random, Kotlin's
/// <c>select</c> is biased to the first clause and its <c>selectUnbiased</c> random; ours is a rotation, so it is
/// deterministic). Code outside any task turns per thread. A blocked select is served in its channels'
/// first-come, first-served order, like a plain send or receive. Under the test loop everything is
/// deterministic.</para>
/// <para><b>Ended and closed channels.</b> A receive branch whose channel has ended (every send end closed, buffer
/// drained) is ready: it completes with its <c>onEnd</c> handler, or without one <see cref="RunAsync"/> throws
/// <see cref="EndOfChannelException"/>. A branch on a closed end throws <see cref="ClosedResourceException"/>, a send
/// branch on a channel whose receive ends are all closed throws <see cref="BrokenResourceException"/>: these are
/// ready too, like Go's select on a closed channel.</para>
/// <para>A select works on the ends made by <see cref="MemoryChannel.Create{T}(int)"/>, on the loop or on the thread
/// pool. It may be run again once a run has finished (the same send branch sends the same item again), never twice
/// at once. Not thread-safe to build while running.</para>
/// </remarks>
/// <typeparam name="TResult">What the select returns: the result of the handler of the branch that won.</typeparam>
/// <example>
/// <code>
/// string what = await Select
///     .Receive(orders, order => $"order {order.Id}")
///     .Receive(cancels, id => $"cancel {id}", onEnd: () => "no more cancels")
///     .Send(audit, entry, () => "audited")
///     .Timeout(TimeSpan.FromSeconds(1), () => "idle")
///     .RunAsync();
/// </code>
/// </example>
[DebuggerDisplay("select of {_branches.Count} branches")]
public sealed class Select<TResult>
{
    readonly List<SelectBranch<TResult>> _branches = [];
    SelectBranch[] _branchArray = [];
    ISelectableChannel[]? _channels;
    Func<TResult>? _orElse;
    Func<TResult>? _onTimeout;
    TimeSpan _timeout;
    SelectWaiter? _waiter;
    SelectCompletion<TResult>? _completion;
    int _running;
    // The turn of this select's next run once it has run (-1 before): a reused select turns on its own counter.
    int _nextTurn = -1;

    // The turn of code that runs outside any task of Structured (its TaskInfo is a throwaway): the thread's.
    [ThreadStatic]
    static ushort t_externalTurn;

    /// <summary>Creates an empty select; add branches with <see cref="Receive{T}(ReceiveChannel{T}, Func{T, TResult})"/> and <see cref="Send{T}"/>.</summary>
    public Select()
    {
    }

    /// <summary>Adds a branch that receives one item from <paramref name="channel"/> and passes it to <paramref name="onItem"/>.</summary>
    /// <remarks>When the channel has ended, <see cref="RunAsync"/> throws <see cref="EndOfChannelException"/> if this branch is the one found ready; pass an <c>onEnd</c> handler to get a result instead.</remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="channel">A receive end made by <see cref="MemoryChannel.Create{T}(int)"/>.</param>
    /// <param name="onItem">Makes the select's result from the received item; runs on the selecting task once the item was taken.</param>
    /// <returns>This select, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> or <paramref name="onItem"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a memory channel's end (a wrapped System.Threading.Channels reader).</exception>
    /// <exception cref="InvalidOperationException">The select is running.</exception>
    public Select<TResult> Receive<T>(ReceiveChannel<T> channel, Func<T, TResult> onItem)
        => AddReceive(channel, onItem, null);

    /// <summary>Adds a branch that receives one item from <paramref name="channel"/>, or sees its end.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="channel">A receive end made by <see cref="MemoryChannel.Create{T}(int)"/>.</param>
    /// <param name="onItem">Makes the select's result from the received item.</param>
    /// <param name="onEnd">Makes the select's result when this branch finds the channel ended (every send end closed and the buffer drained).</param>
    /// <returns>This select, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a memory channel's end.</exception>
    /// <exception cref="InvalidOperationException">The select is running.</exception>
    public Select<TResult> Receive<T>(ReceiveChannel<T> channel, Func<T, TResult> onItem, Func<TResult> onEnd)
    {
        ArgumentNullException.ThrowIfNull(onEnd);
        return AddReceive(channel, onItem, onEnd);
    }

    /// <summary>Adds a branch that sends <paramref name="item"/> to <paramref name="channel"/>.</summary>
    /// <remarks>If another branch wins, the item was not sent: nothing received it and the channel's undelivered-item callback is not called for it.</remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="channel">A send end made by <see cref="MemoryChannel.Create{T}(int)"/>.</param>
    /// <param name="item">The item to send.</param>
    /// <param name="onSent">Makes the select's result once the item was delivered or buffered.</param>
    /// <returns>This select, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> or <paramref name="onSent"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a memory channel's end (a wrapped System.Threading.Channels writer).</exception>
    /// <exception cref="InvalidOperationException">The select is running.</exception>
    public Select<TResult> Send<T>(SendChannel<T> channel, T item, Func<TResult> onSent)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(onSent);
        if (channel is not MemorySendChannel<T> end)
            throw new ArgumentException("Select works on the ends made by MemoryChannel.Create; this send end wraps a System.Threading.Channels writer. Send to it with SendAsync instead, or select over a memory channel.", nameof(channel));
        return Add(new SendBranch<T, TResult>(end, item, onSent));
    }

    /// <summary>
    /// Adds a timeout: when no branch completed within <paramref name="after"/> (on the clock of the running code,
    /// virtual on a test loop), the select returns <paramref name="onTimeout"/>'s result instead (Kotlin's
    /// <c>onTimeout</c>, Go's <c>case &lt;-time.After(d)</c>).
    /// </summary>
    /// <param name="after">How long to wait; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for no timeout (the select waits for a branch, and <paramref name="onTimeout"/> never runs), as everywhere in .NET. The timeout is a <see cref="CancelScope.MoveOnAfter(TimeSpan)"/> scope around the select, so it follows the checkpoint rules; for "only if a branch is ready now" use <see cref="OrElse"/>, not a zero timeout.</param>
    /// <param name="onTimeout">Makes the select's result when the time is up.</param>
    /// <returns>This select, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="onTimeout"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="after"/> is negative (other than <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="InvalidOperationException">The select already has a timeout or an <see cref="OrElse"/>, or is running.</exception>
    public Select<TResult> Timeout(TimeSpan after, Func<TResult> onTimeout)
    {
        if (after < TimeSpan.Zero && after != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(after), after, "Select.Timeout: the timeout must be zero or more, or Timeout.InfiniteTimeSpan for none.");
        ArgumentNullException.ThrowIfNull(onTimeout);
        ThrowIfRunning();
        if (_onTimeout is not null || _orElse is not null)
            throw new InvalidOperationException("This select already has a Timeout or an OrElse branch; give it at most one of them.");
        _timeout = after;
        _onTimeout = onTimeout;
        return this;
    }

    /// <summary>
    /// Makes the select non-blocking (Go's <c>default</c>): when no branch is ready right now, it returns
    /// <paramref name="onNoneReady"/>'s result instead of waiting.
    /// </summary>
    /// <param name="onNoneReady">Makes the select's result when no branch is ready.</param>
    /// <returns>This select, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="onNoneReady"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The select already has a <see cref="Timeout"/> or an OrElse, or is running.</exception>
    public Select<TResult> OrElse(Func<TResult> onNoneReady)
    {
        ArgumentNullException.ThrowIfNull(onNoneReady);
        ThrowIfRunning();
        if (_onTimeout is not null || _orElse is not null)
            throw new InvalidOperationException("This select already has a Timeout or an OrElse branch; give it at most one of them.");
        _orElse = onNoneReady;
        return this;
    }

    /// <summary>
    /// Runs the select: completes exactly one branch (the first ready one, else the first to become ready) and
    /// returns its handler's result.
    /// </summary>
    /// <remarks>
    /// A checkpoint: it throws <see cref="Cancelled"/> in a cancelled scope even when a branch is ready, and lets other
    /// tasks run when it blocks or when the task has spent its cooperative budget. When it throws a cancellation, no
    /// branch happened. A handler that throws makes this throw, after its branch's operation happened.
    /// </remarks>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>The result of the winning branch's handler (or of the timeout's, or the OrElse's).</returns>
    /// <exception cref="Cancelled">The code is cancelled; no branch happened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no branch happened.</exception>
    /// <exception cref="EndOfChannelException">A receive branch without an <c>onEnd</c> handler found its channel ended.</exception>
    /// <exception cref="ClosedResourceException">A branch's own end is closed, or was closed while the select waited.</exception>
    /// <exception cref="BrokenResourceException">A send branch's channel has no open receive end.</exception>
    /// <exception cref="InvalidOperationException">The select has no branch, or is running already.</exception>
    public ValueTask<TResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_branches.Count == 0)
            throw new InvalidOperationException("This select has no branch to wait on; add a Receive or a Send branch before RunAsync.");
        if (Interlocked.Exchange(ref _running, 1) != 0)
            throw new InvalidOperationException("This select is running already; a select runs one at a time (build one per task).");
        try
        {
            // Whoever finishes the run clears the flag: RunCore when it completes at once, else its async tail.
            return _onTimeout is null ? RunCore(clearsRunning: true, cancellationToken) : RunWithTimeoutAsync(cancellationToken);
        }
        catch
        {
            Volatile.Write(ref _running, 0);
            throw;
        }
    }

    async ValueTask<TResult> RunWithTimeoutAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scope = CancelScope.MoveOnAfter(_timeout);
            TResult result = default!;
            await scope.RunAsync(async () => result = await RunCore(clearsRunning: false, cancellationToken));
            return scope.CancelledCaught ? _onTimeout!() : result;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    ValueTask<TResult> RunCore(bool clearsRunning, CancellationToken cancellationToken)
    {
        var current = TaskInfo.CurrentOrNull;
        var task = current ?? Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        var channels = _channels ??= SortChannels();
        var branches = _branchArray;
        int count = branches.Length;
        int start = count == 1 ? 0 : (int)((uint)NextTurn(current) % (uint)count);
        int winner = -1;
        SelectStatus status = SelectStatus.NotReady;
        Exception? error = null;
        Parker? parker = null;
        short parkerToken = 0;
        int locked = 0;
        try
        {
            for (; locked < channels.Length; locked++)
                channels[locked].Gate.Enter();
            for (int k = 0; k < count; k++)
            {
                int i = start + k < count ? start + k : start + k - count;
                status = branches[i].TryNowLocked(out error);
                if (status != SelectStatus.NotReady)
                {
                    winner = i;
                    break;
                }
            }
            if (winner < 0 && _orElse is null)
            {
                parker = task.RentParker();
                var waiter = _waiter ??= new SelectWaiter();
                waiter.Begin(parker, branches, count);
                for (int i = 0; i < count; i++)
                    branches[i].EnqueueLocked(parker, waiter, i);
                parkerToken = parker.Version;
#pragma warning disable CA2012 // The completion awaits this park through the parker and its token.
                _ = parker.Park(waiter);
#pragma warning restore CA2012
            }
        }
        finally
        {
            while (locked > 0)
                channels[--locked].Gate.Exit();
        }
        if (parker is not null)
        {
            Blocking.RegisterWithScope(task, parker, cancellationToken);
            return (_completion ??= new SelectCompletion<TResult>(this)).Await(parker, parkerToken, clearsRunning, yielded: false, default!);
        }
        // A handler or a branch error that throws here is a synchronous throw: RunAsync (or the timeout's tail) clears the flag.
        TResult result = winner < 0 ? _orElse!() : Complete((SelectBranch<TResult>)branches[winner], status, error);
        // Blocking.CompletedWithoutBlocking, but carrying the result through the completion (no async method, so the
        // continuation goes straight to the task's scheduler and nothing is allocated).
        int budget = task.Loop?.CooperativeBudget ?? LoopOptions.DefaultCooperativeBudget;
        if (++task.BudgetUsed < budget)
        {
            if (clearsRunning)
                Volatile.Write(ref _running, 0);
            return new ValueTask<TResult>(result);
        }
        task.BudgetUsed = 0;
        var yielder = task.RentParker();
        short yieldToken = yielder.Version;
#pragma warning disable CA2012 // The completion awaits this yield through the parker and its token.
        _ = yielder.Yield();
#pragma warning restore CA2012
        return (_completion ??= new SelectCompletion<TResult>(this)).Await(yielder, yieldToken, clearsRunning, yielded: true, result);
    }

    /// <summary>
    /// The turn of this run, which decides the branch tried first (fairness): a select's first run takes the selecting
    /// task's next turn, so selects built afresh each time turn with the task; a reused select goes on from there with
    /// its own counter. Never a counter of a channel: tasks that share a channel would share its turns, and one of them
    /// could always find the same branch first (issue 25, item 5).
    /// </summary>
    int NextTurn(TaskInfo? current)
    {
        int turn = _nextTurn;
        if (turn < 0)
            turn = current is null ? t_externalTurn++ : current.SelectTurn++;
        _nextTurn = (turn + 1) & int.MaxValue;
        return turn;
    }

    /// <summary>
    /// After a blocked run's park: which branch won (<see cref="SelectWaiter.Winner"/>), every waiter out of its queue,
    /// then the winner's handler, or the cancellation rethrown.
    /// </summary>
    internal TResult FinishBlocked(Exception? error, bool clearsRunning)
    {
        try
        {
            var waiter = _waiter!;
            var branches = _branchArray;
            int winner = waiter.Winner(error);
            for (int i = 0; i < branches.Length; i++)
                branches[i].FinishWait(i == winner);
            waiter.End();
            if (winner < 0)
                ExceptionDispatchInfo.Throw(error!);
            var status = error switch
            {
                null => SelectStatus.Done,
                EndOfChannelException => SelectStatus.Ended,
                _ => SelectStatus.Failed,
            };
            return Complete((SelectBranch<TResult>)branches[winner], status, error);
        }
        finally
        {
            if (clearsRunning)
                Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Ends a run whose result was ready before a schedule point.</summary>
    internal void FinishYielded(bool clearsRunning)
    {
        if (clearsRunning)
            Volatile.Write(ref _running, 0);
    }

    static TResult Complete(SelectBranch<TResult> branch, SelectStatus status, Exception? error)
    {
        switch (status)
        {
            case SelectStatus.Done:
                return branch.Complete();
            case SelectStatus.Ended when branch.TryCompleteEnd(out var result):
                return result;
            default:
                ExceptionDispatchInfo.Throw(error!);
                return default!;
        }
    }

    Select<TResult> AddReceive<T>(ReceiveChannel<T> channel, Func<T, TResult> onItem, Func<TResult>? onEnd)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(onItem);
        if (channel is not MemoryReceiveChannel<T> end)
            throw new ArgumentException("Select works on the ends made by MemoryChannel.Create; this receive end wraps a System.Threading.Channels reader. Receive from it with ReceiveAsync instead, or select over a memory channel.", nameof(channel));
        return Add(new ReceiveBranch<T, TResult>(end, onItem, onEnd));
    }

    Select<TResult> Add(SelectBranch<TResult> branch)
    {
        ThrowIfRunning();
        _branches.Add(branch);
        _branchArray = [.. _branches];
        _channels = null;
        return this;
    }

    void ThrowIfRunning()
    {
        if (Volatile.Read(ref _running) != 0)
            throw new InvalidOperationException("This select is running; add branches before RunAsync or after it completed.");
    }

    /// <summary>The distinct channels of the branches in lock order.</summary>
    ISelectableChannel[] SortChannels()
    {
        var channels = new List<ISelectableChannel>();
        foreach (var branch in _branches)
        {
            if (!channels.Contains(branch.Channel))
                channels.Add(branch.Channel);
        }
        channels.Sort(static (a, b) => a.SelectOrder.CompareTo(b.SelectOrder));
        return [.. channels];
    }
}
