using System.Globalization;

namespace QpActors.Bench;

/// <summary>Samples read from a Prometheus text exposition, as the gateway's <c>/metrics</c> writes it.</summary>
public static class PrometheusText
{
    /// <summary>
    /// Every sample of the metric <paramref name="name"/> exactly (not of a longer name sharing its prefix): the text
    /// between its braces (empty without labels) and its value; an optional timestamp after the value is ignored.
    /// </summary>
    public static IEnumerable<(string Labels, double Value)> Samples(string exposition, string name)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }

            var rest = line[name.Length..];
            var labels = string.Empty;
            if (rest.StartsWith('{'))
            {
                var close = rest.IndexOf('}', StringComparison.Ordinal);
                labels = rest[1..close];
                rest = rest[(close + 1)..];
            }

            if (double.TryParse(rest.Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                yield return (labels, value);
            }
        }
    }
}
