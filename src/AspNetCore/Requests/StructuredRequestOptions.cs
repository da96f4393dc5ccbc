namespace Structured;

/// <summary>
/// The options of <c>app.UseStructuredRequests()</c>: which incoming deadlines a request honours, and how the host's
/// shutdown treats the requests in flight. Set them with <c>services.AddStructuredRequests(options => ...)</c>.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddStructuredRequests(options =>
///     options.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);   // honour "Request-Timeout: 500m"
/// </code>
/// </example>
public sealed class StructuredRequestOptions
{
    /// <summary>
    /// The plain HTTP deadline header this package documents and sends (<c>AddStructuredDeadlines()</c>):
    /// <c>"Request-Timeout"</c>, its value a timeout in the <c>grpc-timeout</c> format (<see cref="GrpcTimeout"/>).
    /// </summary>
    public const string DefaultDeadlineHeader = "Request-Timeout";

    TimeSpan _abandonTimeout = TimeSpan.FromSeconds(5);
    TimeSpan _cancelBeforeShutdownTimeout = TimeSpan.FromSeconds(1);
    string? _deadlineHeader;

    /// <summary>
    /// Whether a request's <c>grpc-timeout</c> header sets the deadline of its scope (what gRPC clients send for a call
    /// with a deadline).
    /// </summary>
    /// <value>The default is true.</value>
    public bool HonourGrpcTimeout { get; set; } = true;

    /// <summary>
    /// The HTTP header whose value, a timeout in the <c>grpc-timeout</c> format (<c>"500m"</c>, <c>"2S"</c>), sets the
    /// deadline of the request's scope, counted from when the request reaches the middleware; null for none.
    /// </summary>
    /// <value>
    /// The default is null: plain HTTP requests carry no deadline, since a header any client can set is a policy
    /// decision of the service. <see cref="DefaultDeadlineHeader"/> is the header <c>AddStructuredDeadlines()</c> sends.
    /// A request with both headers gets the earlier deadline; a value that is no timeout is ignored (logged at Debug).
    /// </value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? DeadlineHeader
    {
        get => _deadlineHeader;
        set
        {
            if (value is not null)
                ArgumentException.ThrowIfNullOrWhiteSpace(value);
            _deadlineHeader = value;
        }
    }

    /// <summary>
    /// How long the host's stop waits, after the shutdown timeout cancelled the requests in flight, for them to unwind.
    /// Requests still running then ignore cancellation: they are abandoned, their task trees are logged as an error,
    /// and the exit code is set to 1 (as <see cref="StructuredServiceOptions.AbandonTimeout"/>).
    /// </summary>
    /// <value>The default is 5 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>, which waits without limit).</exception>
    public TimeSpan AbandonTimeout
    {
        get => _abandonTimeout;
        set => _abandonTimeout = AbandonTimeoutOption.Checked(value, nameof(StructuredRequestOptions));
    }

    /// <summary>
    /// How long before the host's <c>HostOptions.ShutdownTimeout</c> runs out the requests still in flight are cancelled,
    /// so that they unwind and answer 503 before the server aborts their connections. Kestrel aborts every connection
    /// still open when the ShutdownTimeout runs out, with the same token that would cancel the requests, so a request
    /// cancelled only then cannot answer: its client sees the connection reset. Cancelled this much earlier, a request
    /// whose response has not started answers 503 (and its connection is closed by the server's drain).
    /// </summary>
    /// <value>
    /// The default is 1 second. At most half the ShutdownTimeout is used, so that a short timeout still lets the requests
    /// drain; zero cancels the requests only when the ShutdownTimeout has run out (their clients see resets).
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan CancelBeforeShutdownTimeout
    {
        get => _cancelBeforeShutdownTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _cancelBeforeShutdownTimeout = value;
        }
    }

    /// <summary>The clock of the shutdown's phases (tests set a fake one; the host's ShutdownTimeout itself runs on the system's).</summary>
    internal TimeProvider ShutdownClock { get; set; } = TimeProvider.System;

    /// <summary>Whether requests cut short by the shutdown timeout set <see cref="Environment.ExitCode"/> to 1, so that a plain <c>app.Run()</c> exits non-zero.</summary>
    /// <value>The default is true. <c>app.RunStructuredAsync()</c> returns 1 after such a shutdown either way.</value>
    public bool SetExitCode { get; set; } = true;
}
