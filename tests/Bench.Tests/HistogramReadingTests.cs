using QpActors.Bench;

namespace QpActors.Bench.Tests;

/// <summary>The journal's histograms as the gateway's Prometheus endpoint writes them, read for one phase.</summary>
public sealed class HistogramReadingTests
{
    private const string Name = "qp_journal_append_duration_seconds";

    // Two series (two stores) whose buckets add up; a longer name sharing the prefix must not be counted.
    private static string Exposition(int fast, int slow, int slower) => $$"""
        # TYPE qp_journal_append_duration_seconds histogram
        qp_journal_append_duration_seconds_bucket{otel_scope_name="QpActors",db_system_name="postgresql",le="0.001"} {{fast}}
        qp_journal_append_duration_seconds_bucket{otel_scope_name="QpActors",db_system_name="postgresql",le="0.01"} {{fast + slow}}
        qp_journal_append_duration_seconds_bucket{otel_scope_name="QpActors",db_system_name="postgresql",le="+Inf"} {{fast + slow + slower}}
        qp_journal_append_duration_seconds_sum{otel_scope_name="QpActors",db_system_name="postgresql"} 1.5
        qp_journal_append_duration_seconds_count{otel_scope_name="QpActors",db_system_name="postgresql"} {{fast + slow + slower}}
        qp_journal_append_duration_seconds_bucket{otel_scope_name="QpActors",db_system_name="sqlite",le="0.001"} 10
        qp_journal_append_duration_seconds_bucket{otel_scope_name="QpActors",db_system_name="sqlite",le="0.01"} 10
        qp_journal_append_duration_seconds_bucket{otel_scope_name="QpActors",db_system_name="sqlite",le="+Inf"} 10
        qp_journal_append_duration_seconds_sum{otel_scope_name="QpActors",db_system_name="sqlite"} 0.005
        qp_journal_append_duration_seconds_count{otel_scope_name="QpActors",db_system_name="sqlite"} 10
        qp_journal_append_duration_seconds_total_other_bucket{le="0.001"} 999
        """;

    [Fact]
    public void Series_are_summed_by_bound_with_their_sum_and_count()
    {
        var reading = HistogramReading.Read(Exposition(90, 8, 2), Name)!;

        Assert.Equal([(0.001, 100.0), (0.01, 108.0), (double.PositiveInfinity, 110.0)], reading.Buckets);
        Assert.Equal(1.505, reading.Sum, 9);
        Assert.Equal(110, reading.Count);
    }

    [Fact]
    public void A_phase_is_the_difference_of_two_readings_and_its_quantiles_interpolate_inside_a_bucket()
    {
        var before = HistogramReading.Read(Exposition(90, 8, 2), Name);
        var phase = HistogramReading.Read(Exposition(190, 108, 2), Name)!.Since(before);

        Assert.Equal(200, phase.Count);
        Assert.Equal([(0.001, 100.0), (0.01, 200.0), (double.PositiveInfinity, 200.0)], phase.Buckets);

        // The median is the first bucket's top; the 99th percentile is 98% of the way through the second bucket.
        Assert.Equal(0.001, phase.Quantile(0.5)!.Value, 9);
        Assert.Equal(0.001 + (0.009 * 98 / 100), phase.Quantile(0.99)!.Value, 9);
    }

    [Fact]
    public void A_quantile_in_the_open_bucket_is_the_last_finite_bound_and_none_without_observations()
    {
        var phase = HistogramReading.Read(Exposition(0, 0, 50), Name)!.Since(HistogramReading.Read(Exposition(0, 0, 10), Name));

        Assert.Equal(0.01, phase.Quantile(0.99)!.Value, 9);
        Assert.Null(phase.Since(phase).Quantile(0.5));
        Assert.Null(HistogramReading.Read("# nothing here\n", Name));
    }
}
