namespace Structured;

/// <summary>
/// One token that is cancelled when any of up to three tokens is (the ambient cancel scope's, the caller's, a clone's
/// close), linking them only when more than one can be cancelled.
/// </summary>
internal readonly struct LinkedToken : IDisposable
{
    readonly CancellationTokenSource? _source;

    LinkedToken(CancellationTokenSource? source, CancellationToken token)
    {
        Token = token;
        _source = source;
    }

    internal CancellationToken Token { get; }

    internal static LinkedToken Create(CancellationToken a, CancellationToken b, CancellationToken c)
    {
        int count = (a.CanBeCanceled ? 1 : 0) + (b.CanBeCanceled ? 1 : 0) + (c.CanBeCanceled ? 1 : 0);
        if (count <= 1)
            return new(null, a.CanBeCanceled ? a : b.CanBeCanceled ? b : c);
        var source = CancellationTokenSource.CreateLinkedTokenSource(a, b, c);
        return new(source, source.Token);
    }

    public void Dispose() => _source?.Dispose();
}
