namespace Structured;

/// <summary>What a select needs of a channel regardless of its item type: its lock and its place in the lock order.</summary>
internal interface ISelectableChannel
{
    /// <summary>The channel's lock; a select holds the locks of all its channels while it tries and queues its branches.</summary>
    Lock Gate { get; }

    /// <summary>Unique and increasing with creation: selects take their locks in this order, so they never deadlock.</summary>
    long SelectOrder { get; }
}
