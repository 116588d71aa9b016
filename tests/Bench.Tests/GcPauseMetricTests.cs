namespace QpActors.Bench.Tests;

/// <summary>Reading the gateway's GC counters from its Prometheus endpoint, as the gateway benchmark does per phase.</summary>
public sealed class GcPauseMetricTests
{
    private const string Pause = "dotnet_gc_pause_time_seconds_total";

    // The lines the gateway's /metrics prints for the runtime's GC pause counter (copied from a running gateway).
    private const string Exposition = """
        # TYPE dotnet_gc_pause_time_seconds_total counter
        # HELP dotnet_gc_pause_time_seconds_total The total amount of time paused in GC since the process has started.
        dotnet_gc_pause_time_seconds_total{otel_scope_name="System.Runtime"} 0.031724
        dotnet_gc_heap_total_allocated_bytes_total{otel_scope_name="System.Runtime"} 123456789
        """;

    [Fact]
    public void The_pause_counter_is_read_with_its_labels()
    {
        Assert.Equal(0.031724, GatewayProcesses.CounterValue(Exposition, Pause)!.Value, 6);
    }

    [Fact]
    public void The_pause_counter_is_read_without_labels_and_with_a_timestamp()
    {
        Assert.Equal(12.5, GatewayProcesses.CounterValue("dotnet_gc_pause_time_seconds_total 12.5 1764230000000\n", Pause)!.Value, 6);
    }

    [Fact]
    public void A_longer_metric_name_sharing_the_prefix_is_not_the_pause_counter()
    {
        Assert.Null(GatewayProcesses.CounterValue("dotnet_gc_pause_time_seconds_total_other 3\n# TYPE x counter\n", Pause));
    }

    [Fact]
    public void The_allocated_bytes_counter_is_read_beside_the_pause_counter()
    {
        Assert.Equal(123456789, GatewayProcesses.CounterValue(Exposition, "dotnet_gc_heap_total_allocated_bytes_total"));
    }
}
