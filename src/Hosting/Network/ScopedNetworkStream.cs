using System.Net.Sockets;

namespace Structured;

/// <summary>
/// The <see cref="NetworkStream"/> that <see cref="Tcp"/> hands out: its asynchronous reads and writes obey the ambient
/// cancel scope even when the caller passes no token (<c>StreamReader.ReadLineAsync()</c>, <c>CopyToAsync</c>), as
/// every awaitable of Structured does, and a cancellation they raise surfaces as <see cref="Cancelled"/> with its reason.
/// </summary>
/// <remarks>
/// A token the caller passes is honoured as well. Synchronous reads and writes cannot be cancelled (as with any
/// socket): use the asynchronous ones on a loop.
/// </remarks>
internal sealed class ScopedNetworkStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var ambient = CancelScope.CurrentToken;
        if (!ambient.CanBeCanceled || ambient == cancellationToken)
            return base.ReadAsync(buffer, cancellationToken);
        return ReadScopedAsync(buffer, cancellationToken, ambient);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var ambient = CancelScope.CurrentToken;
        if (!ambient.CanBeCanceled || ambient == cancellationToken)
            return base.WriteAsync(buffer, cancellationToken);
        return WriteScopedAsync(buffer, cancellationToken, ambient);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    async ValueTask<int> ReadScopedAsync(Memory<byte> buffer, CancellationToken explicitToken, CancellationToken ambient)
    {
        using var linked = Link(explicitToken, ambient);
        try
        {
            return await base.ReadAsync(buffer, linked?.Token ?? ambient);
        }
        catch (OperationCanceledException) when (ambient.IsCancellationRequested && !explicitToken.IsCancellationRequested)
        {
            Checkpoint.ThrowIfCancelled(); // the scope's Cancelled, with its reason
            throw;
        }
    }

    async ValueTask WriteScopedAsync(ReadOnlyMemory<byte> buffer, CancellationToken explicitToken, CancellationToken ambient)
    {
        using var linked = Link(explicitToken, ambient);
        try
        {
            await base.WriteAsync(buffer, linked?.Token ?? ambient);
        }
        catch (OperationCanceledException) when (ambient.IsCancellationRequested && !explicitToken.IsCancellationRequested)
        {
            Checkpoint.ThrowIfCancelled();
            throw;
        }
    }

    /// <summary>A source that either token cancels, or null when only the ambient one can cancel (no allocation then).</summary>
    static CancellationTokenSource? Link(CancellationToken explicitToken, CancellationToken ambient)
        => explicitToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(explicitToken, ambient) : null;
}
