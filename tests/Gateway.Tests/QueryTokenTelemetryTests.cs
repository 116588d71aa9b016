using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The real gateway and silo writing everything they can: every log category at Trace, traces recorded (without a
/// collector) with OpenTelemetry's own redaction of query values switched off, and every activity of the tests' requests
/// recorded whole. What they write is kept (<see cref="Written"/>) so a test can look for a secret in it.
/// </summary>
public sealed class VerboseGatewayFixture() : GatewayFixture(
    SiloHosting.External,
    "--Telemetry:TraceWithoutExporter=true",
    "--OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION=true")
{
    public Written Written { get; } = new();

    protected override void ConfigureSilo(IServiceCollection services) => Written.Capture(services);

    protected override void ConfigureGateway(IServiceCollection services) => Written.Capture(services);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Written.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class VerboseGatewayCollection : ICollectionFixture<VerboseGatewayFixture>
{
    public const string Name = "gateway-verbose";
}

/// <summary>
/// Browsers' EventSource cannot send headers, so the live streams and the dashboard take <c>access_token</c> in the query.
/// A query string is written in many places: the hosting layer's request logs, trace attributes, error output. The
/// token's value must reach none of them, on any path, valid or not.
/// </summary>
[Collection(VerboseGatewayCollection.Name)]
public sealed class QueryTokenTelemetryTests(VerboseGatewayFixture gateway) : IDisposable
{
    // Sends no trace context of its own, so each request carries exactly the traceparent a test gives it; and no cookie
    // but the ones a test sends by hand.
    private readonly HttpClient _client = new(new SocketsHttpHandler { ActivityHeadersPropagator = null, AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = gateway.Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_token_in_the_query_and_the_dashboards_cookie_are_written_to_no_log_trace_or_error_on_any_path()
    {
        var ward = Ids.Ward();
        var practitioner = gateway.Token(TestCaller.EarlyIntervention(ward));
        var admin = gateway.Token(TestCaller.Administrator());
        var forged = practitioner[..^4] + (practitioner.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        string[] secrets = [practitioner, admin, forged, Signature(practitioner), Signature(admin), Signature(forged)];

        // A live stream opened with the token in the query: the snapshot arrives, then the client goes away.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            var (request, finished) = Traced(HttpMethod.Get, $"/v1/stream/risk?ward={ward}&access_token={Uri.EscapeDataString(practitioner)}");
            using (request)
            using (var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
                Assert.Equal("snapshot", (await WardApiTests.NextEventAsync(reader, cancel.Token)).Kind);
            }

            await finished;
        }

        // A forged token (401), a bad ward with a good token (400, so the token was read), a token where none is read (401),
        // the dashboard (its bare path and its page set the cookie and redirect without the token), each
        // answered in full and its body kept.
        var bodies = new List<string>();
        var cookies = new List<string>();
        foreach (var (path, expected) in new[]
        {
            ($"/v1/stream/risk?ward={ward}&access_token={Uri.EscapeDataString(forged)}", HttpStatusCode.Unauthorized),
            ($"/v1/stream/risk?ward=Not-A-Ward&access_token={Uri.EscapeDataString(practitioner)}", HttpStatusCode.BadRequest),

            // The parameter in another case, as the query parser also reads it (authenticated, then 400).
            ($"/v1/stream/risk?ACCESS_TOKEN={Uri.EscapeDataString(practitioner)}&ward=Not-A-Ward", HttpStatusCode.BadRequest),
            ($"/v1/families/{Ids.Family()}/risk?access_token={Uri.EscapeDataString(practitioner)}", HttpStatusCode.Unauthorized),
            ($"/dashboard?access_token={Uri.EscapeDataString(admin)}", HttpStatusCode.SeeOther),
            ($"/dashboard/?access_token={Uri.EscapeDataString(admin)}", HttpStatusCode.SeeOther),
        })
        {
            var (request, finished) = Traced(HttpMethod.Get, path);
            using (request)
            using (var response = await _client.SendAsync(request))
            {
                Assert.True(expected == response.StatusCode, $"{path.Split('?')[0]} answered {(int)response.StatusCode}");
                bodies.Add(await response.Content.ReadAsStringAsync());
                if (expected == HttpStatusCode.SeeOther)
                {
                    // The page and the bare path, once the cookie is set, send the browser on to the page without the token.
                    Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
                }

                if (response.Headers.TryGetValues("Set-Cookie", out var set))
                {
                    cookies.AddRange(set.Select(c => c.Split(';')[0]));
                }
            }

            await finished;
        }

        // The page gave the browser the dashboard's cookie, a credential too: a poll and the page carried by it alone, and
        // the same cookie sent where it opens nothing, write it nowhere either.
        Assert.NotEmpty(cookies);
        foreach (var (path, expected) in new[]
        {
            ("/dashboard/DashboardCounters", HttpStatusCode.OK),
            ("/dashboard/", HttpStatusCode.OK),
            ("/v1/audit", HttpStatusCode.Unauthorized),
        })
        {
            var (request, finished) = Traced(HttpMethod.Get, path);
            request.Headers.Add("Cookie", string.Join("; ", cookies));
            using (request)
            using (var response = await _client.SendAsync(request))
            {
                Assert.True(expected == response.StatusCode, $"{path} with the cookie answered {(int)response.StatusCode}");
                bodies.Add(await response.Content.ReadAsStringAsync());
            }

            await finished;
        }

        secrets = [.. secrets, .. cookies.Select(c => c[(c.IndexOf('=', StringComparison.Ordinal) + 1)..])];

        var written = gateway.Written.Everything();
        Assert.Contains(written, w => w.Contains("access_token=", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(written, w => w.Contains(secret, StringComparison.Ordinal) || w.Contains(Uri.EscapeDataString(secret), StringComparison.Ordinal));
            Assert.DoesNotContain(bodies, b => b.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_request_the_server_cannot_parse_writes_no_part_of_a_token_it_carries_even_with_every_category_at_trace()
    {
        var admin = gateway.Token(TestCaller.Administrator());
        var practitioner = gateway.Token(TestCaller.EarlyIntervention(Ids.Ward()));

        // Sent as no HTTP client would send them: a request line with more after its version, the token in its query, and
        // an Authorization header line without its colon. Kestrel refuses both (400) before the gateway sees a request.
        var badLine = await SendRawAsync($"GET /dashboard/?access_token={admin} HTTP/1.1 more\r\nHost: gateway\r\nConnection: close\r\n\r\n");
        var badHeader = await SendRawAsync($"GET /dashboard/ HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\nAuthorization Bearer {practitioner}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400", badLine, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", badHeader, StringComparison.Ordinal);

        // Kestrel's own entries are being written (its connections, at Debug), so nothing is missing for want of a level.
        var written = gateway.Written.Everything();
        Assert.Contains(written, w => w.Contains("Microsoft.AspNetCore.Server.Kestrel.Connections", StringComparison.Ordinal));

        // A token's header is the same for every token; from its claims on, no character of either may be written.
        foreach (var token in new[] { admin, practitioner })
        {
            var claimsStart = token[..(token.IndexOf('.', StringComparison.Ordinal) + 9)];
            Assert.DoesNotContain(written, w => w.Contains(claimsStart, StringComparison.Ordinal));
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Writes bytes to the gateway's HTTP port as they are, and reads its answer until it closes the connection.</summary>
    private async Task<string> SendRawAsync(string request)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, gateway.Http.BaseAddress!.Port, cancel.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancel.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync(cancel.Token);
    }

    /// <summary>A JWT's signature, the part that makes it a credential: no part of it may be written either.</summary>
    private static string Signature(string token) => token[(token.LastIndexOf('.') + 1)..];

    /// <summary>
    /// A request with a trace id of its own, and a task that completes once the gateway has finished with it: its request
    /// activity has stopped and the hosting layer has logged the request's end (both come after the response).
    /// </summary>
    private (HttpRequestMessage Request, Task Finished) Traced(HttpMethod method, string path)
    {
        var trace = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var finished = Task.WhenAll(gateway.Written.RequestStopped(trace), gateway.Written.RequestFinishedLogged(trace)).WaitAsync(TimeSpan.FromSeconds(10));
        return (request, finished);
    }
}

/// <summary>
/// Everything the hosts write that a test can read: each log entry (its message, its state's values, its scopes' values,
/// its exception) at every level, and every tag, event, baggage item and status of the activities of requests whose trace
/// a test chose (<see cref="RequestStopped"/>).
/// </summary>
public sealed class Written : IDisposable
{
    private readonly ConcurrentQueue<string> _texts = new();
    private readonly ConcurrentDictionary<ActivityTraceId, TaskCompletionSource> _stopped = new();
    private readonly ConcurrentDictionary<ActivityTraceId, TaskCompletionSource> _logged = new();
    private readonly ActivityListener _listener;

    public Written()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,

            // Only the tests' own traces: recording every activity in the process would slow the other collections.
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                _stopped.ContainsKey(options.TraceId) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Adds this as a logger of the host, with every category at every level, and no console.</summary>
    public void Capture(IServiceCollection services)
    {
        foreach (var console in services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            services.Remove(console);
        }

        services.AddSingleton<ILoggerProvider>(new HostLogs(this));
        services.Configure<LoggerFilterOptions>(o =>
        {
            o.Rules.Clear();
            o.MinLevel = LogLevel.Trace;
        });
    }

    public IReadOnlyList<string> Everything() => [.. _texts];

    /// <summary>Completes when the gateway's activity for the request with this trace id has stopped.</summary>
    public Task RequestStopped(ActivityTraceId trace) => _stopped.GetOrAdd(trace, _ => Signal()).Task;

    /// <summary>Completes when the hosting layer has logged the end of the request with this trace id.</summary>
    public Task RequestFinishedLogged(ActivityTraceId trace) => _logged.GetOrAdd(trace, _ => Signal()).Task;

    public void Dispose() => _listener.Dispose();

    private static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Stopped(Activity activity)
    {
        foreach (var (key, value) in activity.TagObjects)
        {
            _texts.Enqueue($"{activity.OperationName} tag {key}={value}");
        }

        foreach (var e in activity.Events)
        {
            _texts.Enqueue($"{activity.OperationName} event {e.Name}: {string.Join(", ", e.Tags.Select(t => $"{t.Key}={t.Value}"))}");
        }

        foreach (var (key, value) in activity.Baggage)
        {
            _texts.Enqueue($"{activity.OperationName} baggage {key}={value}");
        }

        _texts.Enqueue($"{activity.OperationName} {activity.DisplayName} {activity.StatusDescription}");
        if (activity.Kind == ActivityKind.Server && _stopped.TryGetValue(activity.TraceId, out var stopped))
        {
            stopped.TrySetResult();
        }
    }

    private void Log(IExternalScopeProvider scopes, string category, LogLevel level, EventId id, object? state, Exception? exception, string message)
    {
        _texts.Enqueue($"{level} {category}[{id}] {message}");
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                _texts.Enqueue($"{category} state {key}={value}");
            }
        }

        if (exception is not null)
        {
            _texts.Enqueue(exception.ToString());
        }

        ActivityTraceId? trace = null;
        scopes.ForEachScope((scope, _) =>
        {
            _texts.Enqueue($"{category} scope {scope}");
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    _texts.Enqueue($"{category} scope {key}={value}");
                    if (key == "TraceId" && value?.ToString() is { Length: 32 } hex)
                    {
                        trace = ActivityTraceId.CreateFromString(hex);
                    }
                }
            }
        }, (object?)null);

        // The hosting layer's last word on a request (its "Request finished" entry).
        if (category == "Microsoft.AspNetCore.Hosting.Diagnostics" && id.Id == 2 && trace is { } finished && _logged.TryGetValue(finished, out var logged))
        {
            logged.TrySetResult();
        }
    }

    /// <summary>One host's logger provider; each host's logger factory hands it that host's scopes.</summary>
    private sealed class HostLogs(Written written) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public Written Written => written;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(HostLogs host, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => host._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                host.Written.Log(host._scopes, category, logLevel, eventId, state, exception, formatter(state, exception));
        }
    }
}
