using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Orleans.Dashboard;
using QpActors.Gateway.Application;
using QpActors.Gateway.Auth;
using QpActors.Gateway.Grpc;
using QpActors.Gateway.Http;
using QpActors.Hosting;

namespace QpActors.Gateway.Hosting;

/// <summary>Limits every client can rely on.</summary>
public static class ApiLimits
{
    /// <summary>Largest request body accepted (a full batch of contact events fits well within it).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Most events in one batch from an offline device.</summary>
    public const int MaxBatchItems = 500;

    /// <summary>Write requests in flight at once (configurable as <c>Api:MaxConcurrentWrites</c>).</summary>
    public const int DefaultMaxConcurrentWrites = 512;

    /// <summary>Write requests waiting for a slot before the gateway answers 503 (<c>Api:WriteQueueLimit</c>).</summary>
    public const int DefaultWriteQueueLimit = 2048;

    /// <summary>
    /// Batches recorded at once (<c>Api:MaxConcurrentBatches</c>), in slots of their own, so devices syncing their queues
    /// never take the slots of single contacts; the rest wait with their bodies unread. A batch holds up to
    /// <see cref="MaxBatchItems"/> events in memory while its grains record them, so this also bounds that memory.
    /// Fewer slots (6-16) cut the gateway's time paused in GC during batches from about 30% to 15-23% but did not raise
    /// throughput: too few batches in flight leave the journal's group commits short (docs/benchmarks.md).
    /// </summary>
    public const int DefaultMaxConcurrentBatches = 64;

    /// <summary>Batches waiting for a slot before the gateway answers 503 (<c>Api:BatchQueueLimit</c>).</summary>
    public const int DefaultBatchQueueLimit = 256;

    /// <summary>
    /// Reads that call the grains in flight at once (<c>Api:MaxConcurrentReads</c>). A read takes a few milliseconds, so
    /// this is far above what a busy ward's team asks at once; it bounds the work a flood of reads can queue.
    /// </summary>
    public const int DefaultMaxConcurrentReads = 1024;

    /// <summary>Reads waiting for a slot before the gateway answers 503 (<c>Api:ReadQueueLimit</c>).</summary>
    public const int DefaultReadQueueLimit = 4096;

    /// <summary>
    /// Live streams (server-sent events and gRPC server streams) one caller may hold open at once
    /// (<c>Api:MaxStreamsPerCaller</c>): a browser tab per ward followed, with room for a reconnect overlapping the old stream.
    /// </summary>
    public const int DefaultMaxStreamsPerCaller = 8;

    /// <summary>Live streams the gateway holds open at once, all callers together (<c>Api:MaxStreams</c>).</summary>
    public const int DefaultMaxStreams = 1000;

    /// <summary>What a client told to back off is told to wait.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>What a client refused a live stream is told to wait: places come free only as other streams end.</summary>
    public static readonly TimeSpan StreamRetryAfter = TimeSpan.FromSeconds(5);
}

/// <summary>The HTTP and gRPC API over one application layer.</summary>
public static class ApiSetup
{
    public static IServiceCollection AddQpApi(this IServiceCollection services, IConfiguration configuration, QpHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context => Problems.SetType(context.ProblemDetails));
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));

            // Answers write numbers as numbers, and no route binds a body through these options (bodies are read by
            // JsonBody and checked by the catalogue), so reading numbers from strings, the web default, only made the
            // OpenAPI document type every number as "integer or string".
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });

        services.AddQpAuth(
            TokenSettings.Resolve(configuration, settings.DataDirectory),
            DashboardKeyRing.Resolve(configuration, settings.DataDirectory),
            configuration.GetValue("Auth:CacheValidatedTokens", true));

        var api = configuration.GetSection("Api");
        services.AddRateLimiter(o =>
        {
            o.AddConcurrencyLimiter(ApiEndpoints.WritesLimiter, limiter =>
            {
                limiter.PermitLimit = api.GetValue("MaxConcurrentWrites", ApiLimits.DefaultMaxConcurrentWrites);
                limiter.QueueLimit = api.GetValue("WriteQueueLimit", ApiLimits.DefaultWriteQueueLimit);
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.AddConcurrencyLimiter(ApiEndpoints.BatchesLimiter, limiter =>
            {
                limiter.PermitLimit = api.GetValue("MaxConcurrentBatches", ApiLimits.DefaultMaxConcurrentBatches);
                limiter.QueueLimit = api.GetValue("BatchQueueLimit", ApiLimits.DefaultBatchQueueLimit);
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.AddConcurrencyLimiter(ApiEndpoints.ReadsLimiter, limiter =>
            {
                limiter.PermitLimit = api.GetValue("MaxConcurrentReads", ApiLimits.DefaultMaxConcurrentReads);
                limiter.QueueLimit = api.GetValue("ReadQueueLimit", ApiLimits.DefaultReadQueueLimit);
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            o.OnRejected = RejectedAsync;
        });

        services.AddOpenApi(o => o.AddQpContract());
        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = (int)ApiLimits.MaxRequestBodyBytes;
            o.EnableDetailedErrors = false;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks();

        var routing = api.Get<BatchRoutingOptions>() ?? new BatchRoutingOptions();
        if (routing.BatchCallsInFlight <= 0)
        {
            throw new InvalidOperationException($"Api:BatchCallsInFlight must be positive, not {routing.BatchCallsInFlight}.");
        }

        services.AddSingleton(routing);
        services.AddSingleton(new LiveStreamLimits(
            api.GetValue("MaxStreamsPerCaller", ApiLimits.DefaultMaxStreamsPerCaller),
            api.GetValue("MaxStreams", ApiLimits.DefaultMaxStreams)));
        services.AddSingleton<ContactOperations>();
        services.AddSingleton<FamilyOperations>();
        services.AddSingleton<WardOperations>();
        services.AddSingleton<AuditOperations>();
        services.AddSingleton<SummaryOperations>();
        var feed = configuration.GetSection("Streams").Get<UpdateFeedOptions>() ?? new UpdateFeedOptions();
        if (feed.Linger < TimeSpan.Zero || feed.MaxLingeringTopics < 0)
        {
            throw new InvalidOperationException($"Streams:Linger ({feed.Linger}) and Streams:MaxLingeringTopics ({feed.MaxLingeringTopics}) may not be negative; zero turns lingering off.");
        }

        services.AddSingleton(feed);
        services.AddSingleton<IUpdateSource, WardUpdateSource>();
        services.AddSingleton<PollingUpdateFeed>();
        services.AddSingleton<IUpdateFeed>(sp => sp.GetRequiredService<PollingUpdateFeed>());
        services.AddSingleton<IFiguresPublisher, SmallNumberFiguresPublisher>();
        return services;
    }

    public static WebApplication MapQpApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapQpHttpApi();
        app.MapOpenApi().AllowAnonymous();

        app.MapGrpcService<ContactsGrpcService>();
        app.MapGrpcService<FamiliesGrpcService>();
        app.MapGrpcService<WardsGrpcService>();
        app.MapGrpcService<AuditGrpcService>();
        app.MapGrpcService<SummariesGrpcService>();
        app.MapGrpcReflectionService().AllowAnonymous();
        app.MapGrpcHealthChecksService().AllowAnonymous();

        // The dashboard has no authentication of its own: it sits behind the dashboard's admin policy, which also takes
        // the cookie its page gives a browser (DashboardSession). A co-hosted silo with the dashboard switched off
        // (Silo:Dashboard=false) has no dashboard to serve.
        var coHosted = app.Services.GetRequiredService<GatewayOptions>().SiloHosting == SiloHosting.InProcess;
        if (!coHosted || app.Services.GetRequiredService<QpHostSettings>().Dashboard)
        {
            app.MapOrleansDashboard(DashboardSession.Path).RequireAuthorization(QpPolicies.Dashboard).WithQpRules(DashboardSession.Path);
        }
        return app;
    }

    /// <summary>Whether a request is gRPC: those get their status from the HTTP code, not a problem body.</summary>
    public static bool IsGrpc(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
    }

    private static async ValueTask RejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var hinted) ? hinted : ApiLimits.RetryAfter;
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (IsGrpc(http.Request))
        {
            return;
        }

        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Busy",
                Detail = "The gateway is at its limit of concurrent writes; retry after the Retry-After delay.",
            },
        });
    }
}
