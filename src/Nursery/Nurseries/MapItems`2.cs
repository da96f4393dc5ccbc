namespace Structured;

/// <summary>
/// The items of one bounded <see cref="Nursery.MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, CancellationToken, Task{TResult}}, int, string?)"/>:
/// its workers take them from the source in turn, each writing its result into the item's cell.
/// </summary>
/// <remarks>
/// The source's enumerator is used under <see cref="_gate"/> alone, by whichever worker takes the next item (off the loop
/// the workers run on several threads at once). The cells are reserved under the same gate, in source order.
/// </remarks>
internal sealed class MapItems<TSource, TResult> : IDisposable
{
    readonly Lock _gate = new();
    readonly IEnumerator<TSource> _source;
    readonly Func<TSource, CancellationToken, Task<TResult>> _body;
    readonly MapResults<TResult> _results;
    readonly string _name;
    volatile bool _exhausted;

    internal MapItems(IEnumerator<TSource> source, Func<TSource, CancellationToken, Task<TResult>> body, MapResults<TResult> results, string name)
    {
        _source = source;
        _body = body;
        _results = results;
        _name = name;
    }

    /// <summary>Whether the source has no more items (or failed): no further worker is needed.</summary>
    internal bool Exhausted => _exhausted;

    /// <summary>A worker: takes items until there are none, each a checkpoint; an item's error names the item.</summary>
    internal async Task WorkAsync(CancellationToken token)
    {
        while (TryTake(out var item, out var chunk, out int offset, out int index))
        {
            try
            {
                chunk[offset] = await (_body(item, token) ?? throw NullBody());
            }
            catch (Exception e) when (e is not Cancelled)
            {
                FailedTask.Tag(e, $"{_name}[{index}]");
                throw;
            }
            // Between items a cancel point, and now and then a schedule point: a body that completes without waiting
            // must not keep the loop to itself, nor go on after the map was cancelled.
            var task = Blocking.CurrentTask();
            Blocking.ThrowIfCancelled(task);
            await Blocking.CompletedWithoutBlocking(task);
        }
    }

    /// <summary>A child per item (no limit, or an asynchronous source): runs one item and frees its slot on success.</summary>
    internal static async Task RunOneAsync(TSource item, Func<TSource, CancellationToken, Task<TResult>> body, TResult[] chunk, int offset, CancellationToken token, AsyncSemaphore? slots = null)
    {
        // Each item writes its own cell of a chunk that never moves: no lock, and the map reads the cells only after
        // the nursery has waited for every item.
        chunk[offset] = await (body(item, token) ?? throw NullBody());
        // Only a success frees a slot: an item that throws fails or ends the map, and its slot must not start another
        // item in the moment before the nursery's cancellation reaches the task that waits for slots.
        slots?.Release();
    }

    bool TryTake(out TSource item, out TResult[] chunk, out int offset, out int index)
    {
        lock (_gate)
        {
            if (!_exhausted)
            {
                bool more;
                try
                {
                    more = _source.MoveNext();
                }
                catch
                {
                    _exhausted = true;
                    throw;
                }
                if (more)
                {
                    item = _source.Current;
                    (chunk, offset, index) = _results.Reserve();
                    return true;
                }
                _exhausted = true;
            }
        }
        item = default!;
        chunk = [];
        offset = index = 0;
        return false;
    }

    static InvalidOperationException NullBody() => NullTask.Returned("The body given to Nursery.MapAsync");

    public void Dispose() => _source.Dispose();
}
