using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace QpActors.Persistence;

/// <summary>
/// What the journal's group commit is doing, for operators: how long each shared transaction takes, how many writes it
/// carries, and how long a caller waits from queueing its write to its being durable (queue wait plus commit). A write
/// is acknowledged only when durable, so the last is the storage's share of every request's latency.
/// </summary>
/// <remarks>
/// On the meter every host already subscribes to (<c>QpActors</c>, <c>Telemetry.SourceName</c> in Hosting, which this
/// project does not reference). Recorded once per transaction and once per caller's unit, never per row, and
/// <see cref="Histogram{T}.Record(T)"/> returns at once when nothing listens.
/// </remarks>
public static class JournalMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "QpActors";

    /// <summary>Seconds from a caller's write entering the queue to its transaction committing (or failing).</summary>
    public const string AppendDuration = "qp.journal.append.duration";

    /// <summary>Seconds one transaction took, from the flusher sending it to the commit.</summary>
    public const string CommitDuration = "qp.journal.commit.duration";

    /// <summary>Journal writes (events with their ward entries, deadlines and audit rows) in one committed transaction.</summary>
    public const string CommitWrites = "qp.journal.commit.writes";

    private static readonly Meter Meter = new(MeterName);

    // Bounds in seconds from half a millisecond to 5 s: a commit here takes 1-3 ms, and the tail that matters for a
    // request's p99 (tens of milliseconds) needs buckets of its own. OpenTelemetry's default bounds are for milliseconds.
    private static readonly double[] DurationBounds =
        [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5];

    private static readonly Histogram<double> Appends = Meter.CreateHistogram(AppendDuration, "s",
        "Time from queueing a journal write to its commit, as its caller waits for it.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBounds });

    private static readonly Histogram<double> Commits = Meter.CreateHistogram(CommitDuration, "s",
        "Time one journal transaction took, from the flusher sending it to the commit.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBounds });

    private static readonly Histogram<int> WritesPerCommit = Meter.CreateHistogram(CommitWrites, "{write}",
        "Journal writes committed together in one transaction (group commit).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048] });

    /// <summary>The tags every measurement of one journal carries: its database system and database, as OpenTelemetry's database conventions name them.</summary>
    internal static KeyValuePair<string, object?>[] StoreTags(string system, string? database) =>
        [new("db.system.name", system), new("db.namespace", database)];

    internal static void Committed(KeyValuePair<string, object?>[] store, int writes, TimeSpan took, bool succeeded)
    {
        var tags = new TagList(store) { { "outcome", succeeded ? "committed" : "rolled-back" } };
        Commits.Record(took.TotalSeconds, tags);
        if (succeeded)
        {
            WritesPerCommit.Record(writes, store);
        }
    }

    internal static void Appended(KeyValuePair<string, object?>[] store, TimeSpan waited) =>
        Appends.Record(waited.TotalSeconds, store);
}
