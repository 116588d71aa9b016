using System.Globalization;

namespace QpActors.Bench;

/// <summary>
/// A Prometheus histogram read from a text exposition, summed over all its series (labels other than <c>le</c>):
/// cumulative counts by upper bound, ending with +Inf, and the sum and count of the observations.
/// </summary>
public sealed record HistogramReading(IReadOnlyList<(double UpperBound, double Cumulative)> Buckets, double Sum, double Count)
{
    /// <summary>The histogram <paramref name="name"/> (without its <c>_bucket</c> suffix), or null when the exposition has none.</summary>
    public static HistogramReading? Read(string exposition, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var buckets = new SortedDictionary<double, double>();
        foreach (var (labels, value) in PrometheusText.Samples(exposition, name + "_bucket"))
        {
            if (UpperBound(labels) is { } bound)
            {
                buckets[bound] = buckets.GetValueOrDefault(bound) + value;
            }
        }

        return buckets.Count == 0 ? null : new HistogramReading(
            [.. buckets.Select(b => (b.Key, b.Value))],
            PrometheusText.Samples(exposition, name + "_sum").Sum(sample => sample.Value),
            PrometheusText.Samples(exposition, name + "_count").Sum(sample => sample.Value));
    }

    /// <summary>What was observed between <paramref name="earlier"/> and this reading (same buckets).</summary>
    public HistogramReading Since(HistogramReading? earlier)
    {
        if (earlier is null)
        {
            return this;
        }

        var before = earlier.Buckets.ToDictionary(b => b.UpperBound, b => b.Cumulative);
        return new HistogramReading(
            [.. Buckets.Select(b => (b.UpperBound, b.Cumulative - before.GetValueOrDefault(b.UpperBound)))],
            Sum - earlier.Sum,
            Count - earlier.Count);
    }

    /// <summary>The mean observation, or null with none.</summary>
    public double? Mean => Count > 0 ? Sum / Count : null;

    /// <summary>
    /// The <paramref name="q"/> quantile, interpolated linearly inside its bucket as Prometheus's <c>histogram_quantile</c>
    /// does; the last finite bound if it falls in the +Inf bucket; null with no observations.
    /// </summary>
    public double? Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        var total = Buckets.Count > 0 ? Buckets[^1].Cumulative : 0;
        if (total <= 0)
        {
            return null;
        }

        var rank = q * total;
        double lowerBound = 0, lowerCount = 0;
        foreach (var (upper, cumulative) in Buckets)
        {
            if (cumulative >= rank)
            {
                if (double.IsPositiveInfinity(upper))
                {
                    return lowerBound;
                }

                var inBucket = cumulative - lowerCount;
                return inBucket <= 0 ? upper : lowerBound + ((upper - lowerBound) * (rank - lowerCount) / inBucket);
            }

            lowerBound = upper;
            lowerCount = cumulative;
        }

        return lowerBound;
    }

    private static double? UpperBound(string labels)
    {
        var at = labels.IndexOf("le=\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + 4;
        var text = labels[start..labels.IndexOf('"', start)];
        return text == "+Inf" ? double.PositiveInfinity
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) ? bound : null;
    }
}
