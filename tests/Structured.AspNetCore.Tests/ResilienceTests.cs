using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace AspNetCoreTests;

/// <summary>
/// <c>AddStructuredDeadlines()</c> with <c>AddStandardResilienceHandler()</c> (Microsoft.Extensions.Http.Resilience, Polly v8),
/// in either order, against a scripted network: each attempt sends what remains of the caller's deadline, no attempt
/// starts with no more than the margin left, a 504 for the deadline sent is not retried, and Polly's attempt timeout
/// still works. The script moves the caller's deadline between attempts instead of waiting for time to pass.
/// </summary>
public sealed class ResilienceTests
{
    static readonly TimeSpan Margin = TimeSpan.FromSeconds(10);

    /// <summary>The primary handler: each attempt is answered by the next step of the script.</summary>
    sealed class ScriptedNetwork(params Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] steps) : HttpMessageHandler
    {
        public readonly List<TimeSpan> Sent = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            int attempt;
            lock (Sent)
            {
                // No header (no deadline): MaxValue.
                Sent.Add(request.Headers.TryGetValues(StructuredRequestOptions.DefaultDeadlineHeader, out var values)
                    && GrpcTimeout.TryParse(values.Single(), out var sent) ? sent : TimeSpan.MaxValue);
                attempt = Sent.Count - 1;
            }
            return steps[Math.Min(attempt, steps.Length - 1)](request, cancellationToken);
        }
    }

    static Task<HttpResponseMessage> Answer(HttpStatusCode status) => Task.FromResult(new HttpResponseMessage(status));

    static ServiceProvider Services(ScriptedNetwork network, bool deadlinesFirst, Action<HttpStandardResilienceOptions>? resilience = null)
    {
        var services = new ServiceCollection();
        var client = services.AddHttpClient("stock", c => c.BaseAddress = new Uri("http://stock"))
            .ConfigurePrimaryHttpMessageHandler(() => network);
        void Resilience() => client.AddStandardResilienceHandler(o =>
        {
            // No waits between attempts: the script, not the clock, decides what each attempt sees.
            o.Retry.Delay = TimeSpan.Zero;
            o.Retry.UseJitter = false;
            o.Retry.BackoffType = DelayBackoffType.Constant;
            resilience?.Invoke(o);
        });
        if (deadlinesFirst)
        {
            client.AddStructuredDeadlines(margin: Margin);
            Resilience();
        }
        else
        {
            Resilience();
            client.AddStructuredDeadlines(margin: Margin);
        }
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Each_retry_sends_what_remains_of_the_deadline_then(bool deadlinesFirst)
    {
        CancelScope? caller = null;
        var network = new ScriptedNetwork(
            (_, _) =>
            {
                // Between the attempts the caller's deadline comes to 30 s from now: a stale header would still say a minute.
                caller!.Deadline = Time.Now + Margin + TimeSpan.FromSeconds(20);
                return Answer(HttpStatusCode.ServiceUnavailable);
            },
            (_, _) => Answer(HttpStatusCode.OK));
        await using var services = Services(network, deadlinesFirst);
        var clients = services.GetRequiredService<IHttpClientFactory>();
        caller = CancelScope.MoveOnAfter(TimeSpan.FromMinutes(10));
        await caller.RunAsync(async () =>
        {
            using var response = await clients.CreateClient("stock").GetAsync("/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.False(caller.CancelCalled);
        Assert.Equal(2, network.Sent.Count);
        Assert.InRange(network.Sent[0], TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10) - Margin);
        Assert.InRange(network.Sent[1], TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_retry_starts_with_no_more_than_the_margin_left_and_the_caller_ends_as_its_deadline(bool deadlinesFirst)
    {
        CancelScope? caller = null;
        var network = new ScriptedNetwork((_, _) =>
        {
            // The first attempt fails (a transient 503, retried) with less than the margin left.
            caller!.Deadline = Time.Now + Margin / 2;
            return Answer(HttpStatusCode.ServiceUnavailable);
        });
        await using var services = Services(network, deadlinesFirst);
        var clients = services.GetRequiredService<IHttpClientFactory>();
        caller = CancelScope.MoveOnAfter(TimeSpan.FromMinutes(10));
        await caller.RunAsync(async () => await clients.CreateClient("stock").GetAsync("/x"));
        Assert.Single(network.Sent);
        Assert.True(caller.CancelledCaught);
        Assert.Contains(" passed before GET http://stock/x was sent: ", caller.CancelReason, StringComparison.Ordinal);
        Assert.Contains("no more than the margin of 10000 ms", caller.CancelReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_504_for_the_deadline_sent_is_not_retried(bool deadlinesFirst)
    {
        CancelScope? caller = null;
        var network = new ScriptedNetwork(
            (_, _) =>
            {
                // The callee gets 200 ms or so from the next attempt (what remains then, less the margin).
                caller!.Deadline = Time.Now + Margin + TimeSpan.FromMilliseconds(200);
                return Answer(HttpStatusCode.ServiceUnavailable);
            },
            async (request, cancellationToken) =>
            {
                // A callee whose deadline fired: it answers 504 once the time it was sent has run out.
                Assert.True(GrpcTimeout.TryParse(request.Headers.GetValues(StructuredRequestOptions.DefaultDeadlineHeader).Single(), out var sent));
                // On the clock the handler reads (a system timer, Task.Delay's, may end a few milliseconds early against it).
                var until = Time.Now + sent;
                while (Time.Now < until)
                    await Task.Delay(1, cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.GatewayTimeout);
            });
        await using var services = Services(network, deadlinesFirst);
        var clients = services.GetRequiredService<IHttpClientFactory>();
        caller = CancelScope.MoveOnAfter(TimeSpan.FromMinutes(10));
        await caller.RunAsync(async () => await clients.CreateClient("stock").GetAsync("/x"));
        Assert.True(caller.CancelledCaught);
        // The second attempt was answered 504 for its deadline and nothing was retried after it; on a machine so slow
        // that the second attempt began with no more than the margin left, it was not sent at all.
        Assert.InRange(network.Sent.Count, 1, 2);
        Assert.Contains(network.Sent.Count == 2 ? "answered 504 Gateway Timeout" : "was sent: ", caller.CancelReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pollys_attempt_timeout_shorter_than_the_deadline_still_cuts_an_attempt_and_retries(bool deadlinesFirst)
    {
        var network = new ScriptedNetwork(
            async (_, cancellationToken) =>
            {
                // Hangs until Polly's attempt timeout cancels it.
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK);
            },
            (_, _) => Answer(HttpStatusCode.OK));
        await using var services = Services(network, deadlinesFirst, o => o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(100));
        var clients = services.GetRequiredService<IHttpClientFactory>();
        var caller = CancelScope.MoveOnAfter(TimeSpan.FromMinutes(10));
        await caller.RunAsync(async () =>
        {
            using var response = await clients.CreateClient("stock").GetAsync("/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.False(caller.CancelCalled);
        Assert.Equal(2, network.Sent.Count);
    }

    [Fact]
    public async Task The_scope_ends_the_wait_between_retries_too()
    {
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var network = new ScriptedNetwork((_, _) =>
        {
            waiting.TrySetResult();
            return Answer(HttpStatusCode.ServiceUnavailable);
        });
        await using var services = Services(network, deadlinesFirst: true, o => o.Retry.Delay = TimeSpan.FromHours(1));
        var clients = services.GetRequiredService<IHttpClientFactory>();
        var caller = new CancelScope();
        await caller.RunAsync(async () =>
        {
            var call = clients.CreateClient("stock").GetAsync("/x");
            await waiting.Task.Within();
            caller.Cancel("the caller gave up");
            await call.Within();
        });
        Assert.True(caller.CancelledCaught);
        Assert.Single(network.Sent);
    }

    [Fact]
    public async Task A_deadline_handler_put_before_a_resilience_handler_by_hand_is_refused_with_the_fix()
    {
        var network = new ScriptedNetwork((_, _) => Answer(HttpStatusCode.OK));
        var services = new ServiceCollection();
        services.AddHttpClient("stock", c => c.BaseAddress = new Uri("http://stock"))
            .ConfigurePrimaryHttpMessageHandler(() => network)
            .AddHttpMessageHandler(() => new StructuredDeadlineHandler())
            .AddStandardResilienceHandler();
        await using var provider = services.BuildServiceProvider();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<IHttpClientFactory>().CreateClient("stock").GetAsync("/x"));
        Assert.Contains("AddStructuredDeadlines()", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Extensions.Http.Resilience.", error.Message, StringComparison.Ordinal);
    }
}
