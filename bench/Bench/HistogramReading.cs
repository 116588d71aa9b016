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
        ArgumentNullException.ThrowIfNull(exposition);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var buckets = new SortedDictionary<double, double>();
        double sum = 0, count = 0;
        var found = false;
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(name + "_", StringComparison.Ordinal) || Value(line) is not { } value)
            {
                continue;
            }

            var suffix = line[(name.Length + 1)..];
            if (suffix.StartsWith("bucket{", StringComparison.Ordinal) && UpperBound(suffix) is { } bound)
            {
                buckets[bound] = buckets.GetValueOrDefault(bound) + value;
                found = true;
            }
            else if (suffix.StartsWith("sum", StringComparison.Ordinal) && suffix[3] is '{' or ' ')
            {
                sum += value;
            }
            else if (suffix.StartsWith("count", StringComparison.Ordinal) && suffix[5] is '{' or ' ')
            {
                count += value;
            }
        }

        return found ? new HistogramReading([.. buckets.Select(b => (b.Key, b.Value))], sum, count) : null;
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

    private static double? UpperBound(string suffix)
    {
        var at = suffix.IndexOf("le=\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + 4;
        var end = suffix.IndexOf('"', start);
        var text = suffix[start..end];
        return text == "+Inf" ? double.PositiveInfinity
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) ? bound : null;
    }

    private static double? Value(string line)
    {
        var rest = line;
        var close = line.LastIndexOf('}');
        if (close >= 0)
        {
            rest = line[(close + 1)..];
        }
        else
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            rest = space < 0 ? string.Empty : line[space..];
        }

        var parts = rest.Trim().Split(' ');
        return double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
