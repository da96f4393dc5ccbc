using System.Threading.Tasks.Sources;

namespace Structured;

/// <summary>
/// The <see cref="IValueTaskSource{TResult}"/> a select hands out when it parks or yields: forwards the awaiter to the
/// task's <see cref="Parker"/> (so the continuation goes straight to the task's scheduler), then finishes the run
/// in <see cref="GetResult"/>. One per select, reused by every run, so a run allocates nothing once warm.
/// </summary>
internal sealed class SelectCompletion<TResult>(Select<TResult> owner) : IValueTaskSource<TResult>
{
    Parker? _parker;
    short _parkerToken;
    short _version;
    bool _clearsRunning;
    bool _yielded;
    TResult _result = default!;

    /// <summary>Hands out the ValueTask of one park (or, with <paramref name="yielded"/>, one schedule point carrying <paramref name="result"/>).</summary>
    internal ValueTask<TResult> Await(Parker parker, short parkerToken, bool clearsRunning, bool yielded, TResult result)
    {
        _parker = parker;
        _parkerToken = parkerToken;
        _clearsRunning = clearsRunning;
        _yielded = yielded;
        _result = result;
        return new ValueTask<TResult>(this, _version);
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        ValidateToken(token);
        return ((IValueTaskSource)_parker!).GetStatus(_parkerToken);
    }

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ValidateToken(token);
        ((IValueTaskSource)_parker!).OnCompleted(continuation, state, _parkerToken, flags);
    }

    public TResult GetResult(short token)
    {
        ValidateToken(token);
        var parker = _parker!;
        bool yielded = _yielded;
        var result = _result;
        _parker = null;
        _result = default!;
        _version++;
        Exception? error = null;
        try
        {
            // Unregisters from the cancel scope; rethrows a cancellation or a branch's error.
            ((IValueTaskSource)parker).GetResult(_parkerToken);
        }
#pragma warning disable CA1031 // Not swallowed: a branch's outcome, or rethrown by FinishBlocked.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e;
        }
        if (!yielded)
            return owner.FinishBlocked(error, _clearsRunning);
        // The schedule point after a completed branch cannot be cancelled (Blocking.CompletedWithoutBlocking).
        owner.FinishYielded(_clearsRunning);
        return result;
    }

    void ValidateToken(short token)
    {
        if (token != _version)
            throw new InvalidOperationException("This ValueTask of a select was awaited twice or after it completed; a ValueTask may be awaited once (use AsTask() to await it again).");
    }
}
