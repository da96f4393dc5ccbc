namespace Structured;

public sealed partial class AsyncLock
{
    /// <summary>
    /// What <see cref="AcquireAsync"/> returns: disposing it releases the lock, so that
    /// <c>using (await l.AcquireAsync()) { ... }</c> releases on every path. A struct: acquiring allocates nothing.
    /// </summary>
    /// <remarks>Dispose it once, in the task that acquired the lock: it calls <see cref="Release"/>, which throws
    /// <see cref="InvalidOperationException"/> when the calling task does not hold the lock. A default
    /// releaser does nothing.</remarks>
#pragma warning disable CA1815, CA1034 // no value equality for a releaser; nested, as Nito's and vs-threading's are
    public readonly struct Releaser : IDisposable
#pragma warning restore CA1815, CA1034
    {
        readonly AsyncLock? _lock;

        internal Releaser(AsyncLock owner) => _lock = owner;

        /// <summary>Releases the lock (<see cref="AsyncLock.Release"/>).</summary>
        /// <exception cref="InvalidOperationException">The calling task does not hold the lock (released already, or another task).</exception>
        public void Dispose() => _lock?.Release();
    }
}
