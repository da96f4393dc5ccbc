using System.Threading.Tasks.Sources;

namespace Structured;

public sealed partial class AsyncLock
{
    /// <summary>
    /// Presents a blocked acquire (a parked <see cref="Parker"/>) as a <c>ValueTask&lt;Releaser&gt;</c>: status and
    /// continuation are the parker's, the result is a releaser of this lock. Reused through
    /// <see cref="_spare"/>, so a blocked acquire allocates nothing in the steady state, and the continuation
    /// runs straight from the parker (no extra hop through the loop).
    /// </summary>
    sealed class Acquisition(AsyncLock owner) : IValueTaskSource<Releaser>
    {
        /// <summary>The parker of the acquire in progress; set before the ValueTask is handed out.</summary>
        internal Parker? Parker;

        ValueTaskSourceStatus IValueTaskSource<Releaser>.GetStatus(short token) => Current.GetStatus(token);

        void IValueTaskSource<Releaser>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => Current.OnCompleted(continuation, state, token, flags);

        Releaser IValueTaskSource<Releaser>.GetResult(short token)
        {
            var parker = Current;
            Parker = null;
            // Back to the spare slot first: the parker's result may be an exception.
            Volatile.Write(ref owner._spare, this);
            ((IValueTaskSource)parker).GetResult(token);
            return new Releaser(owner);
        }

        IValueTaskSource Current => Parker ?? throw new InvalidOperationException("This ValueTask of AsyncLock.AcquireAsync was awaited twice or after it completed; a ValueTask may be awaited once (use AsTask() to await it again).");
    }
}
