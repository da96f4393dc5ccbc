using System.Runtime.CompilerServices;

namespace Structured;

/// <summary>
/// The parking protocol that every awaitable of the library follows (Trio's checkpoint discipline):
/// check for cancellation, then either complete without blocking (spending the cooperative budget) or
/// park the task in a wait queue and register it with its innermost cancel scope.
/// </summary>
internal static class Blocking
{
    /// <summary>
    /// The running task, or a throwaway task for code outside any task (it belongs to nothing and is never cancelled).
    /// On a loop's thread outside any task (a <c>Loop.Post</c> callback, an instrument) the throwaway task runs on that
    /// loop: its sleeps use the loop's clock and timers, and it resumes on the loop, never on the thread pool.
    /// </summary>
    /// <remarks>
    /// Off the loop the throwaway task is kept per thread: a handler that sleeps or waits outside any task (ASP.NET Core
    /// without the request scope) would otherwise make a task, a parker and, for a sleep, a system timer per wait. It
    /// belongs to nothing and no scope is ever entered in it, so flows sharing it share nothing but its parker, which
    /// they rent (a second flow parked at once on the same thread gets a fresh one).
    /// </remarks>
    internal static TaskInfo CurrentTask() => TaskInfo.CurrentOrNull ?? ExternalTask();

    [ThreadStatic]
    static TaskInfo? t_offLoopExternal;

    static TaskInfo ExternalTask()
    {
        if (Loop.Current is { } loop)
            return new TaskInfo("(external)", loop);
        var task = t_offLoopExternal ??= new TaskInfo("(external)", null);
        // As a fresh task would: code outside any task never spends a cooperative budget across calls.
        task.BudgetUsed = 0;
        return task;
    }

    /// <summary>Throws <see cref="Cancelled"/> if the task's innermost scope is cancelled; returns that scope (null when there is none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CancelScope? ThrowIfCancelled(TaskInfo task)
    {
        var scope = CancelScope.CurrentIn(task);
        if (scope is { EffectiveCanceller: not null })
            throw scope.CancellationHere()!;
        return scope;
    }

    /// <summary>
    /// The end of an operation that did not block: a cancel point already passed, now a schedule point
    /// once the task has run <c>CooperativeBudget</c> such operations in a row.
    /// </summary>
    internal static ValueTask CompletedWithoutBlocking(TaskInfo task)
    {
        int budget = task.Loop?.CooperativeBudget ?? LoopOptions.DefaultCooperativeBudget;
        if (++task.BudgetUsed < budget)
            return ValueTask.CompletedTask;
        task.BudgetUsed = 0;
        // The operation has happened (an item taken, a lock acquired): a cancellation arriving now must not
        // undo it, so this schedule point does not check on resume (Trio's cancel_shielded_checkpoint).
        return task.RentParker().Yield();
    }

    /// <summary>
    /// Registers a parked task with its innermost cancel scope and with an explicit token, so that either
    /// wakes it. Called after the task joined its wait queue and released the primitive's lock.
    /// </summary>
    internal static void RegisterWithScope(TaskInfo task, Parker parker, CancellationToken token = default)
    {
        if (token.CanBeCanceled)
        {
            if (token.IsCancellationRequested)
            {
                parker.TryAbort(new OperationCanceledException(token));
                return;
            }
            parker.SetTokenRegistration(token.UnsafeRegister(static (state, t) =>
            {
                var (p, version) = ((Parker, short))state!;
                var error = new OperationCanceledException(t);
                // A loop task's wait queues (its timer) belong to the loop thread.
                if (p.Task.Loop is { } loop && !loop.IsOnLoopThread)
                    loop.PostInternal(() => p.TryAbort(version, error));
                else
                    p.TryAbort(version, error);
            }, (parker, parker.Version)));
        }
        CancelScope.CurrentIn(task)?.RegisterParked(parker);
    }
}
