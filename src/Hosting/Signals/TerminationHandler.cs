using System.Runtime.InteropServices;

namespace Structured;

/// <summary>
/// The handler of SIGINT and SIGTERM for <see cref="Signals.CancelOnTerminationAsync(Func{Task})"/>: the first one cancels the
/// scope (gracefully: the process lives on), a second SIGINT lets the runtime end the process.
/// </summary>
/// <remarks>Runs on a runtime signal thread; the scope's <c>Cancel</c> is thread-safe and posts to the loop.</remarks>
internal sealed class TerminationHandler(CancelScope scope)
{
    readonly Lock _gate = new();
    PosixSignal? _received;

    /// <summary>The first termination signal, or null.</summary>
    internal PosixSignal? Received
    {
        get
        {
            lock (_gate)
                return _received;
        }
    }

    internal void Handle(PosixSignalContext context)
    {
        bool first;
        lock (_gate)
        {
            first = _received is null;
            _received ??= context.Signal;
        }
        if (first)
        {
            context.Cancel = true;
            scope.Cancel($"{context.Signal} received");
        }
        else
        {
            // A second Ctrl+C means "now": the default action ends the process. A second SIGTERM (a supervisor
            // repeating itself) changes nothing: the shutdown is under way.
            context.Cancel = context.Signal != PosixSignal.SIGINT;
        }
    }
}
