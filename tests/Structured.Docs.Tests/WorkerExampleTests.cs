using System.Collections.Concurrent;

namespace DocsTests;

/// <summary>
/// docs/from-backgroundservice.md's StructuredWorker and Jobs, as the page writes them (compiled from the page into
/// this assembly), hosted as its Program.cs hosts them: jobs drain on a stop with exit code 0, and a job that throws
/// is logged, stops the host and makes the exit code 1 (issue 26, item 1). The service's loop runs on a virtual clock
/// that jumps, so the jobs' two-second sleeps take no real time.
/// </summary>
public class WorkerExampleTests
{
    // A hang guard, not a margin: every run ends as soon as the service does; it only turns a hang into a failure.
    static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    static IHost Build(Log log, Jobs jobs)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        // As the page's Program.cs, with the test's queue, and the service's loop on a virtual clock.
        builder.Services.AddSingleton(jobs);
        builder.Services.AddStructuredService<StructuredWorker>(o =>
        {
            o.SetExitCode = false; // this test process must exit 0: RunStructuredAsync's result says it instead
            o.LoopOptions = new LoopOptions { Clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero } };
        });
        return builder.Build();
    }

    [Fact]
    public async Task The_worker_runs_its_jobs_and_a_stop_lets_them_finish_with_exit_code_0()
    {
        var jobs = new Jobs();
        foreach (var job in new[] { "a", "b", "c" })
            await jobs.AddAsync(job);
        var log = new Log();
        using var host = Build(log, jobs);
        log.OnDone = done =>
        {
            if (done == 3)
                host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication(); // Ctrl+C
        };

        int exitCode = await host.RunStructuredAsync().WaitAsync(HangGuard);

        Assert.Equal(0, exitCode);
        Assert.Equal(["done: a", "done: b", "done: c"], log.Messages("StructuredWorker").Where(m => m.StartsWith("done", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_job_that_throws_is_logged_stops_the_host_and_makes_the_exit_code_1()
    {
        var jobs = new Jobs();
        foreach (var job in new[] { "a", "poison", "c" })
            await jobs.AddAsync(job);
        // The job's own code throws: here its last step, the "done" log line, for the job named "poison".
        var log = new Log { ThrowOn = "done: poison" };
        using var host = Build(log, jobs);
        bool stopping = false;
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping = true);

        // Nobody stops the host: the failure does.
        int exitCode = await host.RunStructuredAsync().WaitAsync(HangGuard);

        Assert.Equal(1, exitCode);
        Assert.True(stopping, "the failure stopped the host");
        var error = Assert.Single(log.Entries, e => e.EventId == 7); // "error 1 of 1"
        Assert.Equal("StructuredWorker", error.Category[(error.Category.LastIndexOf('.') + 1)..]);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(Flatten(error.Error!), e => e.Message == "the job failed");
        Assert.Single(log.Entries, e => e.EventId == 8 && e.Level == LogLevel.Critical);
    }

    /// <summary>The exception and every exception inside it (aggregates and inner exceptions).</summary>
    static IEnumerable<Exception> Flatten(Exception error)
    {
        yield return error;
        var inners = error is AggregateException group ? group.InnerExceptions : (IEnumerable<Exception>)[.. error.InnerException is { } inner ? [inner] : Array.Empty<Exception>()];
        foreach (var e in inners.SelectMany(Flatten))
            yield return e;
    }

    /// <summary>A logger provider that keeps every entry; it can make one message throw, as failing job code would.</summary>
    sealed class Log : ILoggerProvider
    {
        public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Error);

        readonly ConcurrentQueue<Entry> _entries = new();
        int _done;

        public string? ThrowOn { get; init; }

        public Action<int>? OnDone { get; set; }

        public IReadOnlyList<Entry> Entries => [.. _entries];

        public IEnumerable<string> Messages(string categorySuffix)
            => Entries.Where(e => e.Category.EndsWith(categorySuffix, StringComparison.Ordinal)).Select(e => e.Message);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        void Add(Entry entry)
        {
            if (entry.Message == ThrowOn)
                throw new InvalidOperationException("the job failed");
            _entries.Enqueue(entry);
            if (entry.Message.StartsWith("done: ", StringComparison.Ordinal))
                OnDone?.Invoke(Interlocked.Increment(ref _done));
        }

        sealed class Logger(Log log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => log.Add(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception));
        }
    }
}
