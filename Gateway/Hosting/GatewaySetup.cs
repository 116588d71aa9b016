using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using QpActors.Grains.Interfaces;
using QpActors.Hosting;

namespace QpActors.Gateway.Hosting;

/// <summary>Wires the gateway host: listeners, the Orleans client, health, telemetry and the API.</summary>
public static class GatewaySetup
{
    public static WebApplicationBuilder AddQpGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = QpHostSettings.From(builder.Configuration, Directory.GetCurrentDirectory());
        var gateway = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(gateway);
        builder.Services.AddSingleton(TimeProvider.System);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = System.Net.IPAddress.Parse(gateway.ListenAddress);
            kestrel.Listen(address, gateway.HttpPort, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(address, gateway.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = ApiLimits.MaxRequestBodyBytes;
        });

        // Start the Orleans client alongside Kestrel, not before it: the gateway is live at once
        // and reports ready only when the cluster answers.
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ServicesStartConcurrently = true;
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
        });

        builder.UseOrleansClient(client =>
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

            client.AddActivityPropagation();
            client.UseConnectionRetryFilter(RetryUntilStopped);
            client.Services.AddSerializer(s => s.AddQpDomainJson());

            // The dashboard's client half: the gateway serves it at /dashboard behind the admin policy.
            client.AddDashboard();
        });

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<ClusterReadiness>("cluster", tags: ["ready"]);

        builder.AddQpTelemetry("qpactors-gateway", settings,
            tracing: t => t.AddAspNetCoreInstrumentation(),
            metrics: m => m.AddAspNetCoreInstrumentation().AddPrometheusExporter());

        builder.Services.AddQpApi(builder.Configuration, settings);
        return builder;
    }

    public static WebApplication MapQpGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Errors and bare status codes (401, 403, 404) become problem details, except on gRPC, whose
        // clients read the status from the HTTP code and trailers.
        app.UseExceptionHandler();
        app.UseWhen(context => !ApiSetup.IsGrpc(context.Request), branch => branch.UseStatusCodePages());
        app.UseRouting();
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

    private static async Task<bool> RetryUntilStopped(Exception exception, CancellationToken cancellationToken)
    {
        // A gateway started before its silo keeps trying; readiness stays 503 meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }
}
