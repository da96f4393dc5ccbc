using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HostingTests;

/// <summary>A logger provider that keeps every entry, for assertions on what a host logged.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Error);

    readonly ConcurrentQueue<Entry> _entries = new();
    readonly Lock _gate = new();
    readonly List<(Func<Entry, bool> Match, TaskCompletionSource<Entry> Found)> _waiters = [];

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>The entries of Structured's hosting log with this event id (each service logs under its own category; the host's own categories are Microsoft.*).</summary>
    public IEnumerable<Entry> WithEvent(int eventId) => Entries.Where(e => e.EventId == eventId && !e.Category.StartsWith("Microsoft.", StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The first entry that matches, logged already or from now on: a test waits for an event instead of sleeping.</summary>
    public Task<Entry> WaitForAsync(Func<Entry, bool> match)
    {
        lock (_gate)
        {
            if (_entries.FirstOrDefault(match) is { } entry)
                return Task.FromResult(entry);
            var found = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
            return found.Task;
        }
    }

    void Add(Entry entry)
    {
        lock (_gate)
        {
            _entries.Enqueue(entry);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    _waiters[i].Found.TrySetResult(entry);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void Dispose()
    {
    }

    public override string ToString() => string.Join("\n", Entries.Select(e => $"{e.Level} [{e.EventId}] {e.Message} {e.Error?.GetType().Name}"));

    sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => log.Add(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
