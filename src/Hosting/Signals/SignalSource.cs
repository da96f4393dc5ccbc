using System.Runtime.InteropServices;

namespace Structured;

/// <summary>
/// The registrations behind the receive ends of one <see cref="Signals.OpenReceiver"/>: runtime signal handlers that
/// send into an unbounded memory channel, coalescing a signal that is already waiting to be received.
/// </summary>
/// <remarks>
/// Handlers run on a runtime signal thread; the channel's send is thread-safe. <see cref="_gate"/> guards the pending
/// set, the count of open ends and the registrations.
/// </remarks>
internal sealed class SignalSource
{
    readonly Lock _gate = new();
    readonly HashSet<PosixSignal> _pending = [];
    readonly SendChannel<PosixSignal> _send;
    readonly List<PosixSignalRegistration> _registrations = [];
    int _openEnds = 1;

    SignalSource(SendChannel<PosixSignal> send) => _send = send;

    internal static SignalReceiveChannel Open(PosixSignal[] signals)
    {
        var (send, receive) = MemoryChannel.Create<PosixSignal>(MemoryChannel.Unbounded);
        var source = new SignalSource(send);
        try
        {
            foreach (var signal in signals.Distinct())
                source._registrations.Add(PosixSignalRegistration.Create(signal, source.Handle));
        }
        catch
        {
            source.Unregister();
            receive.Close();
            throw;
        }
        return new SignalReceiveChannel(source, receive);
    }

    void Handle(PosixSignalContext context)
    {
        lock (_gate)
        {
            if (_openEnds == 0)
                return; // closed meanwhile: the default action applies
            context.Cancel = true;
            if (_pending.Add(context.Signal))
                _send.TrySend(context.Signal);
        }
    }

    /// <summary>A signal was received: a new arrival of it is an item again.</summary>
    internal void Received(PosixSignal signal)
    {
        lock (_gate)
            _pending.Remove(signal);
    }

    internal void AddEnd()
    {
        lock (_gate)
            _openEnds++;
    }

    /// <summary>An end closed; the last one unregisters the handlers.</summary>
    internal void RemoveEnd()
    {
        lock (_gate)
        {
            if (--_openEnds > 0)
                return;
        }
        Unregister();
    }

    void Unregister()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _send.Close();
    }
}
