using System.Runtime.CompilerServices;

namespace Structured;

// Nursery, part: a bounded-concurrency map over a sequence (the structured Parallel.ForEachAsync / Task.WhenAll with
// results): one child per item, at most N at once, results in the source's order.
public sealed partial class Nursery
{
    /// <summary>
    /// Runs <paramref name="body"/> for every item of <paramref name="source"/>, at most
    /// <paramref name="maxConcurrency"/> at once, each as a child task of a nursery of its own, and returns the results
    /// in the order of the source (the structured form of <c>Parallel.ForEachAsync</c> and <c>Task.WhenAll</c>).
    /// </summary>
    /// <typeparam name="TSource">The type of the items.</typeparam>
    /// <typeparam name="TResult">The type of the results.</typeparam>
    /// <param name="source">The items; enumerated once, by one task, as slots free up (it may be lazy).</param>
    /// <param name="body">The work for one item; it receives a token that is cancelled exactly when the item's task is.</param>
    /// <param name="maxConcurrency">How many items may run at once: 1 or more, or -1 for no limit.</param>
    /// <param name="name">The prefix of the tasks' names (<c>name[0]</c>, <c>name[1]</c>, ...); defaults to <c>map</c>.</param>
    /// <returns>The results, one per item, in the order of <paramref name="source"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is 0 or below -1.</exception>
    /// <exception cref="AggregateException">An item (or the enumeration of the source) failed: the first error cancels every
    /// item still running and stops the enumeration; every error comes out, each naming its item's task.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the map and nothing else went wrong.</exception>
    /// <remarks>The map honours the ambient cancel scope like any nursery: a <c>MoveOnAfter</c> around it cancels every item.
    /// Waiting for a free slot is a checkpoint.</remarks>
    public static Task<TResult[]> MapAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, CancellationToken, Task<TResult>> body, int maxConcurrency, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(body);
        CheckConcurrency(maxConcurrency);
        return MapCoreAsync(source, body, maxConcurrency, name ?? "map");
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask{T}"/>-returning function, for every item of <paramref name="source"/>; as <see cref="MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, CancellationToken, Task{TResult}}, int, string?)"/>.</summary>
    /// <typeparam name="TSource">The type of the items.</typeparam>
    /// <typeparam name="TResult">The type of the results.</typeparam>
    /// <param name="source">The items; enumerated once, by one task, as slots free up.</param>
    /// <param name="body">The work for one item; it receives a token that is cancelled exactly when the item's task is.</param>
    /// <param name="maxConcurrency">How many items may run at once: 1 or more, or -1 for no limit.</param>
    /// <param name="name">The prefix of the tasks' names; defaults to <c>map</c>.</param>
    /// <returns>The results, one per item, in the order of <paramref name="source"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is 0 or below -1.</exception>
    /// <exception cref="AggregateException">An item (or the enumeration of the source) failed.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the map and nothing else went wrong.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task<TResult[]> MapAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, CancellationToken, ValueTask<TResult>> body, int maxConcurrency, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return MapAsync(source, (item, token) => body(item, token).AsTask(), maxConcurrency, name);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every item of an asynchronous <paramref name="source"/> (a receive channel, a
    /// paged query), at most <paramref name="maxConcurrency"/> at once, and returns the results in the order the items
    /// came; as <see cref="MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, CancellationToken, Task{TResult}}, int, string?)"/>.
    /// </summary>
    /// <typeparam name="TSource">The type of the items.</typeparam>
    /// <typeparam name="TResult">The type of the results.</typeparam>
    /// <param name="source">The items; enumerated once, by one task, with the map's token, as slots free up.</param>
    /// <param name="body">The work for one item; it receives a token that is cancelled exactly when the item's task is.</param>
    /// <param name="maxConcurrency">How many items may run at once: 1 or more, or -1 for no limit.</param>
    /// <param name="name">The prefix of the tasks' names; defaults to <c>map</c>.</param>
    /// <returns>The results, one per item, in the order the source gave the items.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is 0 or below -1.</exception>
    /// <exception cref="AggregateException">An item (or the enumeration of the source) failed.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the map and nothing else went wrong.</exception>
    public static Task<TResult[]> MapAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, CancellationToken, Task<TResult>> body, int maxConcurrency, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(body);
        CheckConcurrency(maxConcurrency);
        return MapCoreAsync(source, body, maxConcurrency, name ?? "map");
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask{T}"/>-returning function, for every item of an asynchronous <paramref name="source"/>; as <see cref="MapAsync{TSource, TResult}(IAsyncEnumerable{TSource}, Func{TSource, CancellationToken, Task{TResult}}, int, string?)"/>.</summary>
    /// <typeparam name="TSource">The type of the items.</typeparam>
    /// <typeparam name="TResult">The type of the results.</typeparam>
    /// <param name="source">The items; enumerated once, by one task, with the map's token, as slots free up.</param>
    /// <param name="body">The work for one item; it receives a token that is cancelled exactly when the item's task is.</param>
    /// <param name="maxConcurrency">How many items may run at once: 1 or more, or -1 for no limit.</param>
    /// <param name="name">The prefix of the tasks' names; defaults to <c>map</c>.</param>
    /// <returns>The results, one per item, in the order the source gave the items.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is 0 or below -1.</exception>
    /// <exception cref="AggregateException">An item (or the enumeration of the source) failed.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the map and nothing else went wrong.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task<TResult[]> MapAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, CancellationToken, ValueTask<TResult>> body, int maxConcurrency, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return MapAsync(source, (item, token) => body(item, token).AsTask(), maxConcurrency, name);
    }

    static void CheckConcurrency(int maxConcurrency)
    {
        if (maxConcurrency == 0 || maxConcurrency < -1)
            throw new ArgumentOutOfRangeException(nameof(maxConcurrency), maxConcurrency, "Nursery.MapAsync runs 1 or more items at once (or -1 for no limit); pass a positive maxConcurrency.");
    }

    static async Task<TResult[]> MapCoreAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, CancellationToken, Task<TResult>> body, int maxConcurrency, string name)
    {
        var results = new MapResults<TResult>(source.TryGetNonEnumeratedCount(out int count) ? count : 0);
        if (maxConcurrency == -1)
        {
            // No limit: a child per item, as Task.WhenAll over a Select.
            await RunAsync(nursery =>
            {
                foreach (var item in source)
                {
                    var (chunk, offset, index) = results.Reserve();
                    nursery.StartSoon(token => MapItems<TSource, TResult>.RunOneAsync(item, body, chunk, offset, token), $"{name}[{index}]");
                }
                return Task.CompletedTask;
            });
            return results.ToArray();
        }
        // A limit: that many workers take the items in turn (as Parallel.ForEachAsync does), so an item costs no task of
        // its own; an item's error still names it (name[index]).
        using var items = new MapItems<TSource, TResult>(source.GetEnumerator(), body, results, name);
        await RunAsync(nursery =>
        {
            for (int i = 0; i < maxConcurrency && !items.Exhausted; i++)
                nursery.StartSoon(items.WorkAsync, $"{name} worker {i}");
            return Task.CompletedTask;
        });
        return results.ToArray();
    }

    static async Task<TResult[]> MapCoreAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, CancellationToken, Task<TResult>> body, int maxConcurrency, string name)
    {
        var results = new MapResults<TResult>(0);
        var slots = maxConcurrency == -1 ? null : new AsyncSemaphore(maxConcurrency);
        await RunAsync(async nursery =>
        {
            // One task reads the source (an async enumerator takes one MoveNextAsync at a time) and starts a child per item.
            await foreach (var item in source.WithCancellation(nursery.CancelScope.Token))
            {
                if (slots is not null)
                {
                    await slots.AcquireAsync();
                    // A slot freed by an item that finished as the map was being cancelled: start nothing more.
                    Checkpoint.ThrowIfCancelled();
                }
                var (chunk, offset, index) = results.Reserve();
                nursery.StartSoon(token => MapItems<TSource, TResult>.RunOneAsync(item, body, chunk, offset, token, slots), $"{name}[{index}]");
            }
        });
        return results.ToArray();
    }
}
