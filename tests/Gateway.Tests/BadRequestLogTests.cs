using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Kestrel's log of requests it cannot parse stays above Debug under any configured level, including a level given to one
/// logger provider (which beats a rule naming none), while its other categories keep the level configured.
/// </summary>
public sealed class BadRequestLogTests
{
    [Fact]
    public void The_bad_requests_category_stays_above_debug_even_when_a_provider_is_set_to_trace()
    {
        using var services = new ServiceCollection()
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Trace)
                .AddFilter<Provider>(category: null, LogLevel.Trace)
                .AddProvider(new Provider()))
            .AddBadRequestLogFloor()
            .BuildServiceProvider();
        var loggers = services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger(BadRequestLog.Category).IsEnabled(LogLevel.Debug));
        Assert.True(loggers.CreateLogger(BadRequestLog.Category).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Connections").IsEnabled(LogLevel.Trace));
    }

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger();

        public void Dispose()
        {
        }

        private sealed class Logger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
            }
        }
    }
}
