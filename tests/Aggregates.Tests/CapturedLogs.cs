using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace QpActors.Aggregates.Tests;

/// <summary>Every entry a silo logs at Information or above, with its exception, for a test to read.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Completes when an entry with an exception is logged under a category ending in <paramref name="category"/>.</summary>
    public Task FailureLoggedBy(string category) =>
        _awaited.GetOrAdd(category, _ => NewSignal(Entries.Any(e => e.Exception is not null && e.Category.EndsWith(category, StringComparison.Ordinal)))).Task;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>The exception and everything inside it, through inner and aggregated exceptions.</summary>
    public static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException many)
            {
                foreach (var inner in many.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }

                yield break;
            }
        }
    }

    /// <summary>Whether a driver's exception (Npgsql's, Microsoft.Data.Sqlite's) is anywhere inside the entry's exception.</summary>
    public static bool CarriesADriversException(Entry entry) => Chain(entry.Exception).Any(e => e is DbException);

    private static TaskCompletionSource NewSignal(bool already)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (already)
        {
            signal.TrySetResult();
        }

        return signal;
    }

    private void Add(Entry entry)
    {
        _entries.Enqueue(entry);
        if (entry.Exception is null)
        {
            return;
        }

        foreach (var (category, signal) in _awaited)
        {
            if (entry.Category.EndsWith(category, StringComparison.Ordinal))
            {
                signal.TrySetResult();
            }
        }
    }

    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.Add(new Entry(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
