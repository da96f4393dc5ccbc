using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// The value a child task returns (Kotlin's <c>Deferred</c>, Swift's child task of a <c>TaskGroup</c>): made by
/// <see cref="Nursery.StartSoonForResult{T}(Func{Task{T}}, string?)"/>, read with <see cref="Value"/> once the nursery
/// has ended, or awaited with <see cref="WaitAsync"/> while it runs.
/// </summary>
/// <remarks>
/// <para>The child is an ordinary child of its nursery: its error fails the nursery and cancels its siblings, and the
/// nursery does not end before it. The result adds only a place for the value, so nothing about errors or
/// cancellation changes; an error is never lost even if nobody reads the result.</para>
/// <para>Thread-safe: the child may finish on any thread, and the result may be read or awaited from any task.</para>
/// </remarks>
/// <typeparam name="T">The type of the child's value.</typeparam>
/// <example>
/// <code>
/// ChildResult&lt;User&gt; user = null!;
/// ChildResult&lt;Order[]&gt; orders = null!;
/// await Nursery.RunAsync(async nursery =>
/// {
///     user = nursery.StartSoonForResult(ct => users.GetAsync(id, ct), "user");
///     orders = nursery.StartSoonForResult(ct => shop.OrdersOfAsync(id, ct), "orders");
/// });
/// Render(user.Value, orders.Value); // both children have finished here, or the nursery threw
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class ChildResult<T>
{
    const int Running = 0, Succeeded = 1, Failed = 2;

    int _state;
    T _value = default!;
    Exception? _error;
    // Made by the first waiter only: most results are read after their nursery ended, and never waited for.
    Event? _finished;

    internal ChildResult()
    {
    }

    /// <summary>The child task: its name, state and parent nursery.</summary>
    public TaskInfo Child
    {
        get => Volatile.Read(ref _child)!;
        internal set => Volatile.Write(ref _child, value);
    }

    TaskInfo? _child;

    // Child is set by the spawner just after the spawn: a child on the thread pool may finish before that.
    string ChildName => Volatile.Read(ref _child)?.Name ?? "(starting)";

    /// <summary>Whether the child has finished, with a value or an error.</summary>
    public bool IsCompleted => Volatile.Read(ref _state) != Running;

    /// <summary>Whether the child has returned a value.</summary>
    public bool IsCompletedSuccessfully => Volatile.Read(ref _state) == Succeeded;

    /// <summary>The error the child ended with (its own exception, or the cancellation that stopped it), or null.</summary>
    public Exception? Exception => Volatile.Read(ref _state) == Failed ? _error : null;

    /// <summary>The value the child returned.</summary>
    /// <value>Readable once the child has returned: after its nursery ended normally, or after <see cref="WaitAsync"/>.</value>
    /// <exception cref="InvalidOperationException">The child has not finished yet (read the value after the nursery ends, or
    /// await <see cref="WaitAsync"/>), or it ended with an error or a cancellation instead of a value (that error is the
    /// inner exception; the nursery reported it too).</exception>
    public T Value
    {
        get
        {
            switch (Volatile.Read(ref _state))
            {
                case Succeeded:
                    return _value;
                case Failed:
                    throw new InvalidOperationException(
                        $"Task '{ChildName}' has no value: it ended with {_error!.GetType().Name} ({_error.Message}); its nursery reported that error.",
                        _error);
                default:
                    throw new InvalidOperationException(
                        $"Task '{ChildName}' has not finished yet; read its value after its nursery ends, or await WaitAsync() for it.");
            }
        }
    }

    /// <summary>
    /// Waits until the child has finished and returns its value, or throws the child's own error (Kotlin's
    /// <c>await</c>). A checkpoint, even when the child has already finished.
    /// </summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>The child's value.</returns>
    /// <exception cref="Cancelled">The waiting code is cancelled; the child goes on.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>When the child failed, its exception comes out of this call as itself. If the waiting task is the nursery's
    /// body or a sibling and lets it go, the nursery still reports that error once, not twice.</remarks>
    public async ValueTask<T> WaitAsync(CancellationToken cancellationToken = default)
    {
        var finished = LazyInitializer.EnsureInitialized(ref _finished);
        // The child may have finished before the event existed: it then found no event to set.
        if (Volatile.Read(ref _state) != Running)
            finished.Set();
        await finished.WaitAsync(cancellationToken);
        if (Volatile.Read(ref _state) == Failed)
            ExceptionDispatchInfo.Throw(_error!);
        return _value;
    }

    /// <summary>The child's body: runs <paramref name="function"/> and keeps what it returns or throws.</summary>
    internal Task RunAsync(Func<Task<T>> function) => RunBodyAsync(function, default);

    /// <summary>The child's body for a function of the nursery's token.</summary>
    internal Task RunAsync(Func<CancellationToken, Task<T>> function, CancellationToken cancellationToken)
        => RunBodyAsync(function, cancellationToken);

    // One body for both forms, told apart by type: no delegate made to adapt one form to the other, and the state
    // machine of a child that waits holds one delegate and the token, as the token form's did.
    async Task RunBodyAsync(Delegate function, CancellationToken cancellationToken)
    {
        try
        {
            var started = function is Func<Task<T>> plain ? plain() : ((Func<CancellationToken, Task<T>>)function)(cancellationToken);
            Succeed(await (started ?? throw NullTask.Returned("The function given to Nursery.StartSoonForResult")));
        }
        catch (Exception e)
        {
            Fail(e);
            throw;
        }
    }

    void Succeed(T value)
    {
        _value = value;
        Finish(Succeeded);
    }

    void Fail(Exception error)
    {
        _error = error;
        Finish(Failed);
    }

    void Finish(int state)
    {
        // A full fence between publishing the state and reading the event, as in WaitAsync between making the event
        // and reading the state: one of the two sides always sees the other.
        Interlocked.Exchange(ref _state, state);
        Volatile.Read(ref _finished)?.Set();
    }

    /// <inheritdoc/>
    public override string ToString() => Volatile.Read(ref _state) switch
    {
        Succeeded => $"result of task '{ChildName}': {_value}",
        Failed => $"result of task '{ChildName}': failed with {_error!.GetType().Name}",
        _ => $"result of task '{ChildName}': running",
    };
}
