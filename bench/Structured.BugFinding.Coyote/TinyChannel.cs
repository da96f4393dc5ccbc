namespace BugFinding.Coyote;

/// <summary>
/// A bounded channel of ints made of what Coyote controls (a lock-free queue touched between scheduling points, and
/// TaskCompletionSource for waiting): sending on a closed channel throws, receiving from a closed empty one gives null.
/// </summary>
internal sealed class TinyChannel(int capacity)
{
    readonly Queue<int> _items = new();
    TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    bool _closed;

    internal async Task SendAsync(int item)
    {
        while (true)
        {
            if (_closed)
                throw new InvalidOperationException("send on a closed channel");
            if (_items.Count < capacity)
            {
                _items.Enqueue(item);
                Signal();
                return;
            }
            await _changed.Task;
        }
    }

    internal async Task<int?> ReceiveAsync()
    {
        while (true)
        {
            if (_items.Count > 0)
            {
                int item = _items.Dequeue();
                Signal();
                return item;
            }
            if (_closed)
                return null;
            await _changed.Task;
        }
    }

    internal void Close()
    {
        _closed = true;
        Signal();
    }

    void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
