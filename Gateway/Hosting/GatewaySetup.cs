using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using QpActors.Gateway.Auth;
using QpActors.Gateway.Http;
using QpActors.Grains.Interfaces;
using QpActors.Hosting;
using QpActors.Persistence;
using QpActors.Silo;

namespace QpActors.Gateway.Hosting;

/// <summary>Wires the gateway host: listeners, the Orleans client (or a co-hosted silo), health, telemetry and the API.</summary>
public static class GatewaySetup
{
    /// <summary>
    /// The gateway as an Orleans client of external silos (<c>Gateway:Silo=external</c>). A co-hosted
    /// silo must migrate the schema before it starts, which is asynchronous: use <see cref="AddQpGatewayAsync"/>.
    /// </summary>
    public static WebApplicationBuilder AddQpGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var gateway = ReadOptions(builder.Configuration);
        if (gateway.SiloHosting == SiloHosting.InProcess)
        {
            throw new InvalidOperationException("Gateway:Silo=in-process migrates the schema before the silo starts: call AddQpGatewayAsync.");
        }

        var settings = QpHostSettings.From(builder.Configuration, Directory.GetCurrentDirectory());
        return builder.AddQpGatewayCore(settings, gateway, coHostedStorage: null);
    }

    /// <summary>The gateway in either topology (<c>Gateway:Silo=external|in-process</c>).</summary>
    public static async Task<WebApplicationBuilder> AddQpGatewayAsync(this WebApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var gateway = ReadOptions(builder.Configuration);
        if (gateway.SiloHosting == SiloHosting.External)
        {
            return builder.AddQpGateway();
        }

        var (settings, storage) = await SiloSetup.PrepareQpSiloAsync(builder.Configuration, cancellationToken);
        return builder.AddQpGatewayCore(settings, gateway, storage);
    }

    private static GatewayOptions ReadOptions(IConfiguration configuration)
    {
        var gateway = configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        _ = gateway.SiloHosting; // an unknown value fails at start, not at the first request
        return gateway;
    }

    private static WebApplicationBuilder AddQpGatewayCore(this WebApplicationBuilder builder, QpHostSettings settings, GatewayOptions gateway, StorageSettings? coHostedStorage)
    {
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(gateway);
        builder.Services.AddSingleton(TimeProvider.System);

        // A bearer token in a query string (live streams, the dashboard) is taken out before any log or trace sees it.
        builder.Services.AddQueryTokenRedaction();

        // A request Kestrel cannot parse never reaches that redaction: its log of one is kept above Debug instead.
        builder.Services.AddBadRequestLogFloor();

        // The proxies whose X-Forwarded-Proto and X-Forwarded-For are believed (none unless configured).
        var proxies = TrustedProxies.Resolve(builder.Configuration);
        builder.Services.AddSingleton(proxies);
        builder.Services.Configure<ForwardedHeadersOptions>(proxies.Configure);

        // The programme's calendar (Programme:TimeZone): a posted date is in the future when it is after today there.
        builder.Services.AddSingleton(settings.Calendar);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = System.Net.IPAddress.Parse(gateway.ListenAddress);
            kestrel.Listen(address, gateway.HttpPort, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(address, gateway.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = ApiLimits.MaxRequestBodyBytes;

            // A gRPC stream of a quiet ward sends nothing for hours, so a client that vanished without closing would
            // hold its subscription until the operating system gave up on the connection. An idle HTTP/2 connection
            // is pinged instead, and closed when the ping goes unanswered (the SSE stream sends comments instead).
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
        });

        // An Orleans client starts alongside Kestrel, not before it: the gateway is live at once and
        // reports ready only when a grain call answers. A co-hosted silo starts before Kestrel instead
        // (its dashboard service needs the silo running, and there is no remote silo to wait for).
        // Kestrel is registered last, so it stops first: requests drain before the client disconnects
        // or the co-hosted silo hands its grains off.
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ServicesStartConcurrently = coHostedStorage is null;
            o.ShutdownTimeout = TimeSpan.FromSeconds(coHostedStorage is null ? 20 : 30);
        });

        if (coHostedStorage is not null)
        {
            // The same silo the Silo host runs (clustering, grains, dashboard, deadline sweep), so a
            // co-hosted gateway joins a PostgreSQL cluster as a full member beside plain silos.
            builder.UseOrleans(silo => silo.AddQpSilo(settings, coHostedStorage));
        }
        else
        {
            builder.UseOrleansClient(client => ConfigureClient(client, settings));
        }

        builder.Services.AddQpHealthChecks();

        builder.AddQpTelemetry("qpactors-gateway", settings,
            tracing: t => t.AddAspNetCoreInstrumentation(),
            // ASP.NET Core's request duration, Kestrel's connections, unhandled errors and the write limiter's decisions.
            // Not its routing, authentication and authorization meters: each records on every request (about 2% of an
            // audited read's CPU), and the request histogram already carries the route and the status (401, 403).
            metrics: m => m.AddMeter(
                    "Microsoft.AspNetCore.Hosting",
                    "Microsoft.AspNetCore.Server.Kestrel",
                    "Microsoft.AspNetCore.Diagnostics",
                    "Microsoft.AspNetCore.RateLimiting")
                .AddPrometheusExporter());

        builder.Services.AddQpApi(builder.Configuration, settings);
        return builder;
    }

    /// <summary>Liveness (<c>live</c>: the process answers) and readiness (<c>ready</c>: <see cref="ClusterReadiness"/>).</summary>
    public static IHealthChecksBuilder AddQpHealthChecks(this IServiceCollection services)
    {
        // One readiness check for the process: unregistered, the framework creates one per probe and its cache never hits.
        services.AddSingleton<ClusterReadiness>();
        return services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<ClusterReadiness>("cluster", tags: ["ready"]);
    }

    public static WebApplication MapQpGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Before anything reads the scheme or the client's address: behind a trusted proxy that terminates TLS the request
        // is HTTPS, so the dashboard's cookie is marked Secure. Left out when no proxy is trusted, which costs nothing.
        if (app.Services.GetRequiredService<TrustedProxies>().Any)
        {
            app.UseForwardedHeaders();
        }

        // Next, so the dashboard's refusals and errors carry it too (DashboardRules).
        app.UseDashboardReferrerPolicy(DashboardSession.Path);

        // Errors and bare status codes (401, 403, 404) become problem details, except on gRPC, whose
        // clients read the status from the HTTP code and trailers.
        app.UseExceptionHandler();
        app.UseWhen(context => !ApiSetup.IsGrpc(context.Request), branch => branch.UseStatusCodePages());
        app.UseRouting();

        // A /v1 route's 405 for a method no refusal names (PROPFIND), which routing sends to gRPC's catch-all or its own
        // 405; before authorization, so the refusal is authorized as the route's own endpoints are (OtherMethodRefusals).
        app.Use(new OtherMethodRefusals(app.Services.GetRequiredService<EndpointDataSource>()).InvokeAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        // Probes and scrapers carry no token; everything else is denied by default.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapQpApi();
        return app;
    }

    private static void ConfigureClient(IClientBuilder client, QpHostSettings settings)
    {
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (settings.Storage == StorageMode.Postgres)
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.ConnectionString;
            });
        }
        else
        {
            client.UseLocalhostClustering(settings.GatewayPort, settings.ServiceId, settings.ClusterId);
        }

        if (settings.Tracing)
        {
            client.AddActivityPropagation();
        }

        client.UseConnectionRetryFilter(RetryUntilStopped);
        client.Services.AddSerializer(s => s.AddQpSerialization());

        // The dashboard's client half: the gateway serves it at /dashboard behind the admin policy.
        client.AddDashboard();
    }

    private static async Task<bool> RetryUntilStopped(Exception exception, CancellationToken cancellationToken)
    {
        // A gateway started before its silo keeps trying; readiness stays 503 meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }
}
