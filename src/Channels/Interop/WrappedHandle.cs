namespace Structured;

/// <summary>
/// One clone of a wrapped System.Threading.Channels end: its closed flag, and a token that closing it cancels, so
/// that the tasks blocked on this very clone wake up (with <see cref="ClosedResourceException"/>).
/// </summary>
internal sealed class WrappedHandle(WrappedEnds ends)
{
    CancellationTokenSource? _closing;
    Exception? _completedWith;
    volatile bool _closed;

    internal WrappedEnds Ends { get; } = ends;

    internal bool IsClosed => _closed;

    /// <summary>The error this clone was closed with, or null (open, or closed without one).</summary>
    internal Exception? CompletedWith => _closed ? Volatile.Read(ref _completedWith) : null;

    /// <summary>A token cancelled when this clone closes, or null when it is closed already.</summary>
    internal CancellationToken? ClosingToken()
    {
        lock (Ends.Gate)
        {
            if (_closed)
                return null;
            return (_closing ??= new CancellationTokenSource()).Token;
        }
    }

    /// <summary>Counts a new clone; throws when this one is closed.</summary>
    internal void AddClone(string what)
    {
        lock (Ends.Gate)
        {
            if (_closed)
                throw Closed(what);
            Ends.Open++;
        }
    }

    /// <summary>Closes this clone: null when it was closed already, else whether it was the last open one.</summary>
    internal bool? Close(Exception? error)
    {
        CancellationTokenSource? closing;
        bool last;
        lock (Ends.Gate)
        {
            if (_closed)
                return null;
            Volatile.Write(ref _completedWith, error);
            _closed = true;
            if (error is not null)
                Ends.Error ??= error;
            last = --Ends.Open == 0;
            closing = _closing;
        }
        // Outside the lock: cancelling runs the blocked tasks' registrations.
        closing?.Cancel();
        return last;
    }

    internal static ClosedResourceException Closed(string what)
        => new($"This {what} end was closed. Use another clone of it (Clone() before Close()), or stop using it.");
}
