namespace Structured;

/// <summary>Where the text of a <see cref="ServiceTaskTree"/> comes from, and so how far to trust it.</summary>
public enum TaskTreeSource
{
    /// <summary>Written by the service's loop thread between two steps: exact.</summary>
    Loop,

    /// <summary>
    /// The loop thread did not answer in time: synchronous code in the task shown as <c>Running</c> is blocking it. The
    /// tree was read from another thread: best effort.
    /// </summary>
    BlockedLoop,

    /// <summary>The service runs on the thread pool: the tree was read from another thread while its tasks run, best effort.</summary>
    ThreadPool,

    /// <summary>No tree: the service has not started a task yet, or every task of it has finished (the text says which).</summary>
    None,
}
