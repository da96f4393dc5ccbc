namespace Structured;

/// <summary>
/// The results of <see cref="Nursery.MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, CancellationToken, Task{TResult}}, int, string?)"/>:
/// cells reserved one per item, in order, by the map's own task, and written by the items' tasks on any thread.
/// </summary>
/// <remarks>
/// A cell lives in a chunk that is never moved or resized once handed out, so an item writes its result without a lock
/// while the map goes on reserving; the chunks' list is touched by the map's task alone. The map reads the cells only
/// after its nursery has waited for every item (the nursery's gate orders those writes before that read).
/// </remarks>
internal sealed class MapResults<T>
{
    const int FirstChunkWhenUnknown = 16;
    const int LargestChunk = 4096;

    readonly List<T[]> _chunks = [];
    T[]? _current;
    int _usedInCurrent;
    int _count;

    /// <summary>Makes room for <paramref name="expected"/> results in one chunk (0 when the count is not known).</summary>
    internal MapResults(int expected)
    {
        if (expected > 0)
            AddChunk(expected);
    }

    /// <summary>The next cell: its chunk, its place in the chunk and the item's index in the source.</summary>
    internal (T[] Chunk, int Offset, int Index) Reserve()
    {
        if (_current is null || _usedInCurrent == _current.Length)
            AddChunk(_current is null ? FirstChunkWhenUnknown : Math.Min(_current.Length * 2, LargestChunk));
        return (_current!, _usedInCurrent++, _count++);
    }

    /// <summary>The results in order; called once every item has finished.</summary>
    internal T[] ToArray()
    {
        if (_chunks.Count == 1 && _chunks[0].Length == _count)
            return _chunks[0];
        var all = new T[_count];
        int at = 0;
        foreach (var chunk in _chunks)
        {
            int take = Math.Min(chunk.Length, _count - at);
            Array.Copy(chunk, 0, all, at, take);
            at += take;
        }
        return all;
    }

    void AddChunk(int size)
    {
        _current = new T[size];
        _usedInCurrent = 0;
        _chunks.Add(_current);
    }
}
