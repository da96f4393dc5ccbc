namespace Structured;

/// <summary>
/// Starts a <see cref="Select{TResult}"/> with its first branch, so that the result type is inferred:
/// <c>await Select.Receive(a, x =&gt; ...).Receive(b, y =&gt; ...).Send(c, item, () =&gt; ...).RunAsync()</c>.
/// </summary>
public static class Select
{
    /// <summary>A select whose first branch receives from <paramref name="channel"/>; see <see cref="Select{TResult}.Receive{T}(ReceiveChannel{T}, Func{T, TResult})"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="TResult">The select's result type.</typeparam>
    /// <param name="channel">A receive end made by <see cref="MemoryChannel.Create{T}(int)"/>.</param>
    /// <param name="onItem">Makes the select's result from the received item.</param>
    /// <returns>The new select.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> or <paramref name="onItem"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a memory channel's end.</exception>
    public static Select<TResult> Receive<T, TResult>(ReceiveChannel<T> channel, Func<T, TResult> onItem)
        => new Select<TResult>().Receive(channel, onItem);

    /// <summary>A select whose first branch receives from <paramref name="channel"/> or sees its end; see <see cref="Select{TResult}.Receive{T}(ReceiveChannel{T}, Func{T, TResult}, Func{TResult})"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="TResult">The select's result type.</typeparam>
    /// <param name="channel">A receive end made by <see cref="MemoryChannel.Create{T}(int)"/>.</param>
    /// <param name="onItem">Makes the select's result from the received item.</param>
    /// <param name="onEnd">Makes the select's result when the channel has ended.</param>
    /// <returns>The new select.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a memory channel's end.</exception>
    public static Select<TResult> Receive<T, TResult>(ReceiveChannel<T> channel, Func<T, TResult> onItem, Func<TResult> onEnd)
        => new Select<TResult>().Receive(channel, onItem, onEnd);

    /// <summary>A select whose first branch sends <paramref name="item"/> to <paramref name="channel"/>; see <see cref="Select{TResult}.Send{T}"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="TResult">The select's result type.</typeparam>
    /// <param name="channel">A send end made by <see cref="MemoryChannel.Create{T}(int)"/>.</param>
    /// <param name="item">The item to send.</param>
    /// <param name="onSent">Makes the select's result once the item was delivered or buffered.</param>
    /// <returns>The new select.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> or <paramref name="onSent"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="channel"/> is not a memory channel's end.</exception>
    public static Select<TResult> Send<T, TResult>(SendChannel<T> channel, T item, Func<TResult> onSent)
        => new Select<TResult>().Send(channel, item, onSent);
}
