using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace QpActors.Hosting;

public static class Telemetry
{
    /// <summary>The meter of QpActors' own code (the journal's group commit: <c>JournalMetrics</c> in Persistence); traces subscribe to the same name.</summary>
    public const string SourceName = "QpActors";

    /// <summary>
    /// Traces, metrics and logs for a host. Orleans' own activity sources are subscribed so a request
    /// can be followed from the gateway through grain calls to storage; OTLP export is switched on only
    /// when an endpoint is configured, so the embedded default needs no collector.
    /// </summary>
    public static OpenTelemetryBuilder AddQpTelemetry(this IHostApplicationBuilder builder, string serviceName, QpHostSettings settings, Action<TracerProviderBuilder>? tracing = null, Action<MeterProviderBuilder>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var otlp = !string.IsNullOrWhiteSpace(settings.OtlpEndpoint);
        var endpoint = otlp ? new Uri(settings.OtlpEndpoint) : null;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            if (endpoint is not null)
            {
                logging.AddOtlpExporter(o => o.Endpoint = endpoint);
            }
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(m =>
            {
                // System.Runtime: the runtime's own gauges and counters (time paused in GC, collections per
                // generation, heap sizes, thread pool queue). All are observed only when a reader collects, so they
                // cost nothing per request; GC pauses are what bounds write latency on a busy host (docs/benchmarks.md).
                m.AddMeter(SourceName).AddMeter("Microsoft.Orleans").AddMeter("System.Runtime");
                metrics?.Invoke(m);
                if (endpoint is not null)
                {
                    m.AddOtlpExporter(o => o.Endpoint = endpoint);
                }
            });

        // Traces are recorded only when they have somewhere to go: with no collector, subscribing to
        // Orleans' activity sources would create an activity for every grain call for nothing.
        if (!settings.Tracing)
        {
            return telemetry;
        }

        return telemetry
            .WithTracing(t =>
            {
                t.AddSource(SourceName)
                    .AddSource("Microsoft.Orleans.Runtime")
                    .AddSource("Microsoft.Orleans.Application")
                    .AddSource("Microsoft.Orleans.Lifecycle")
                    .AddSource("Microsoft.Orleans.Storage");
                tracing?.Invoke(t);
                if (endpoint is not null)
                {
                    t.AddOtlpExporter(o => o.Endpoint = endpoint);
                }
            });
    }
}
