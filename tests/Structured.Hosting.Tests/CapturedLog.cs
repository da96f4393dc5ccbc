using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HostingTests;

/// <summary>A logger provider that keeps every entry, for assertions on what a host logged.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Error);

    readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>The entries of Structured's hosting log with this event id (each service logs under its own category; the host's own categories are Microsoft.*).</summary>
    public IEnumerable<Entry> WithEvent(int eventId) => Entries.Where(e => e.EventId == eventId && !e.Category.StartsWith("Microsoft.", StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join("\n", Entries.Select(e => $"{e.Level} [{e.EventId}] {e.Message} {e.Error?.GetType().Name}"));

    sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => log._entries.Enqueue(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
