using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QpActors.Hosting;
using QpActors.Silo;

namespace QpActors.Gateway.Tests;

/// <summary>Trace context crosses grain calls exactly when traces are recorded.</summary>
public sealed class TracingSetupTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("http://127.0.0.1:4317", null, true)]
    [InlineData(null, "true", true)]
    public void The_silo_propagates_trace_context_only_when_tracing(string? otlpEndpoint, string? traceWithoutExporter, bool tracing)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = otlpEndpoint,
            ["Telemetry:TraceWithoutExporter"] = traceWithoutExporter,
        }).Build();
        var settings = QpHostSettings.From(configuration, Path.GetTempPath());
        Assert.Equal(tracing, settings.Tracing);

        // Wiring only: the silo is described, not started.
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.AddQpSilo(settings, settings.ToStorageSettings()));
        var filters = builder.Services
            .Where(d => d.ServiceType == typeof(IIncomingGrainCallFilter) || d.ServiceType == typeof(IOutgoingGrainCallFilter))
            .Select(d => d.ImplementationType?.Name ?? "")
            .Where(name => name.StartsWith("ActivityPropagation", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(tracing ? 2 : 0, filters.Count);
    }
}

/// <summary>The dashboard's per-call profiler is on every grain call only when asked for.</summary>
public sealed class DashboardSetupTests
{
    [Theory]
    [InlineData(null, 0)]
    [InlineData("false", 0)]
    [InlineData("true", 1)]
    public void The_dashboard_profiles_grain_calls_only_when_configured(string? profiling, int profilers)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:DashboardProfiling"] = profiling,
        }).Build();
        var settings = QpHostSettings.From(configuration, Path.GetTempPath());

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.AddQpSilo(settings, settings.ToStorageSettings()));

        Assert.True(settings.Dashboard);
        Assert.Equal(profilers, builder.Services.Count(SiloSetup.IsDashboardProfiler));

        // The rest of the dashboard stays: its silo service and its profiler's data store.
        Assert.Contains(builder.Services, d => d.ImplementationType?.FullName == "Orleans.Dashboard.Metrics.GrainProfiler");
    }
}
