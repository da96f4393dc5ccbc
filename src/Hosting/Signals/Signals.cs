using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Structured;

/// <summary>
/// POSIX signals for structured programs: SIGINT and SIGTERM that cancel the program's root scope, so that
/// <c>finally</c> blocks and shielded clean-up run (<see cref="CancelOnTerminationAsync(Func{Task})"/>), and signals received as a
/// channel (<see cref="OpenReceiver"/>, Trio's <c>open_signal_receiver</c>).
/// </summary>
/// <remarks>
/// Signal handlers run on a thread of the runtime, never on the loop: these methods only post to the loop (a
/// thread-safe <see cref="CancelScope.Cancel(string?)"/>, a channel send) and tell the runtime to skip the signal's
/// default action (<see cref="PosixSignalContext.Cancel"/>), which for SIGINT and SIGTERM would end the process.
/// Works on Linux and macOS; on Windows SIGINT is Ctrl+C and SIGTERM is closing the console.
/// In a host (<c>Microsoft.Extensions.Hosting</c>) the console lifetime already turns SIGINT and SIGTERM into a
/// graceful stop of the structured services.
/// </remarks>
public static class Signals
{
    /// <summary>
    /// Runs <paramref name="body"/> in a cancel scope that the first SIGINT (Ctrl+C) or SIGTERM cancels, instead of
    /// killing the process; a second SIGINT while the body is still unwinding ends the process at once (the default
    /// action of SIGINT). Returns once the body has finished.
    /// </summary>
    /// <param name="body">The program, usually the whole of <c>main</c>.</param>
    /// <returns>The signal that cancelled the body, or null when it finished without one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform has no signals (browser, WASI).</exception>
    /// <remarks>
    /// The cancellation is the scope's own: it is caught here, and the call returns normally. Errors of the body come
    /// out as themselves. A repeated SIGTERM while unwinding is ignored: shutdown is already under way.
    /// </remarks>
    /// <example>
    /// <code>
    /// Loop.Run(async () =>
    /// {
    ///     var signal = await Signals.CancelOnTerminationAsync(() => ServeForeverAsync());
    ///     Console.WriteLine(signal is null ? "done" : $"stopped by {signal}; everything was cleaned up");
    /// });
    /// </code>
    /// </example>
    public static async Task<PosixSignal?> CancelOnTerminationAsync(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var scope = new CancelScope();
        var handler = new TerminationHandler(scope);
        using (PosixSignalRegistration.Create(PosixSignal.SIGINT, handler.Handle))
        using (PosixSignalRegistration.Create(PosixSignal.SIGTERM, handler.Handle))
            await scope.RunAsync(body);
        return handler.Received;
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, in a scope that SIGINT and SIGTERM cancel; as <see cref="CancelOnTerminationAsync(Func{Task})"/>.</summary>
    /// <param name="body">The program's work.</param>
    /// <returns>The signal that cancelled the body, or null when it finished by itself.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task<PosixSignal?> CancelOnTerminationAsync(Func<ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return CancelOnTerminationAsync(() => body().AsTask());
    }

    /// <summary>
    /// Starts receiving <paramref name="signals"/> as a channel (Trio's <c>open_signal_receiver</c>): while the receiver
    /// is open, these signals no longer take their default action; each arrival is an item. Close the receiver (with
    /// <c>await using</c>, or <see cref="ReceiveChannel{T}.Close"/>) to give the signals back their default action.
    /// </summary>
    /// <param name="signals">The signals to receive, at least one. Raw signal numbers may be cast to <see cref="PosixSignal"/>.</param>
    /// <returns>A receive end; closing its last clone unregisters the handlers.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="signals"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="signals"/> is empty.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform has no signals, or not this one.</exception>
    /// <remarks>
    /// Like Trio, a signal that arrives again while an earlier arrival of it is still waiting to be received is
    /// coalesced with it: a burst of SIGHUPs is one reload. Receiving follows the channel rules (a checkpoint;
    /// cancellation loses nothing).
    /// </remarks>
    /// <example>
    /// <code>
    /// await using var hangups = Signals.OpenReceiver(PosixSignal.SIGHUP);
    /// await foreach (var _ in hangups)
    ///     await ReloadConfigurationAsync();
    /// </code>
    /// </example>
    public static ReceiveChannel<PosixSignal> OpenReceiver(params PosixSignal[] signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Length == 0)
            throw new ArgumentException("Signals.OpenReceiver needs at least one signal to receive, such as PosixSignal.SIGHUP.", nameof(signals));
        return SignalSource.Open(signals);
    }
}
