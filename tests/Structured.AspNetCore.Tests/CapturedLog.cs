using System.Collections.Concurrent;

namespace AspNetCoreTests;

/// <summary>A logger provider that keeps every entry, and lets a test wait for one: no polling, no sleeps.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message);

    readonly ConcurrentQueue<Entry> _entries = new();
    readonly Lock _gate = new();
    readonly List<(Func<Entry, bool> Match, TaskCompletionSource<Entry> Seen)> _waiters = [];

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Structured.AspNetCore's own entries with this event id (the framework's categories are Microsoft.*).</summary>
    public IEnumerable<Entry> WithEvent(int eventId)
        => Entries.Where(e => e.EventId == eventId && e.Category.StartsWith("Structured.", StringComparison.Ordinal));

    /// <summary>Completes when an entry of Structured.AspNetCore with <paramref name="eventId"/> has been logged (or was already).</summary>
    public Task<Entry> WhenLogged(int eventId)
    {
        bool Match(Entry e) => e.EventId == eventId && e.Category.StartsWith("Structured.", StringComparison.Ordinal);
        lock (_gate)
        {
            if (_entries.FirstOrDefault(Match) is { } already)
                return Task.FromResult(already);
            var seen = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Match, seen));
            return seen.Task;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join("\n", Entries.Select(e => $"{e.Level} [{e.Category} {e.EventId}] {e.Message}"));

    void Add(Entry entry)
    {
        List<TaskCompletionSource<Entry>> matched = [];
        lock (_gate)
        {
            _entries.Enqueue(entry);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    matched.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (var seen in matched)
            seen.TrySetResult(entry);
    }

    sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => log.Add(new Entry(category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
