using System.Diagnostics;
using HdrHistogram;
using QpActors.Persistence;

namespace QpActors.Bench;

/// <summary>
/// Times the silo's journal from outside: how long an append waits for its shared commit, and how
/// many appends there are per event. Set against the caller's latency it shows whether time goes to
/// the database or to the grains.
/// </summary>
public sealed class TimedJournal(IEventJournal inner) : IEventJournal
{
    private readonly object _gate = new();
    private LongHistogram _appends = Latencies.NewHistogram();
    private long _reads;
    private long _readMicros;

    /// <summary>Starts a fresh measurement window.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _appends = Latencies.NewHistogram();
        }

        Interlocked.Exchange(ref _reads, 0);
        Interlocked.Exchange(ref _readMicros, 0);
    }

    public JournalTimings Snapshot()
    {
        lock (_gate)
        {
            var count = _appends.TotalCount;
            return new JournalTimings(
                count,
                count == 0 ? double.NaN : _appends.GetMean() / 1000.0,
                count == 0 ? double.NaN : _appends.GetValueAtPercentile(50) / 1000.0,
                count == 0 ? double.NaN : _appends.GetValueAtPercentile(99) / 1000.0,
                Interlocked.Read(ref _reads),
                Interlocked.Read(ref _readMicros) / 1000.0);
        }
    }

    public async Task<AppendResult> AppendAsync(JournalWrite write, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await inner.AppendAsync(write, ct);
        var micros = Math.Max(1, Latencies.ElapsedMicros(started));
        lock (_gate)
        {
            _appends.RecordValue(Math.Min(micros, _appends.HighestTrackableValue));
        }

        return result;
    }

    public async Task<AppendResult[]> AppendAllAsync(IReadOnlyList<JournalWrite> writes, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var results = await inner.AppendAllAsync(writes, ct);
        var micros = Math.Max(1, Latencies.ElapsedMicros(started));
        lock (_gate)
        {
            // One unit, one wait; counted once per write so appends per event stay comparable.
            for (var i = 0; i < writes.Count; i++)
            {
                _appends.RecordValue(Math.Min(micros, _appends.HighestTrackableValue));
            }
        }

        return results;
    }

    public Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(EventQuery query, CancellationToken ct = default) =>
        TimeRead(inner.ReadEventsAsync(query, ct));

    public Task<JournalEvent?> FindEventAsync(string eventId, CancellationToken ct = default) => TimeRead(inner.FindEventAsync(eventId, ct));

    public Task<IReadOnlyList<WardEntry>> ReadWardEntriesAsync(string wardCode, CancellationToken ct = default) => inner.ReadWardEntriesAsync(wardCode, ct);

    public Task<WardEntry?> ReadWardEntryAsync(string entryKey, CancellationToken ct = default) => inner.ReadWardEntryAsync(entryKey, ct);

    public Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesAsync(string wardCode, CancellationToken ct = default) => inner.ReadWardDeparturesAsync(wardCode, ct);

    public Task<int> PruneWardDeparturesAsync(TimeSpan keptFor, CancellationToken ct = default) => inner.PruneWardDeparturesAsync(keptFor, ct);

    public Task<bool> DeleteWardEntryAsync(string wardCode, string entryKey, long version, CancellationToken ct = default) => inner.DeleteWardEntryAsync(wardCode, entryKey, version, ct);

    public Task<IReadOnlyList<Deadline>> ReadDueAsync(DateTimeOffset now, int max, CancellationToken ct = default) => inner.ReadDueAsync(now, max, ct);

    public Task DeleteDeadlineAsync(string entityKey, CancellationToken ct = default) => inner.DeleteDeadlineAsync(entityKey, ct);

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken ct = default) => inner.ReadAuditAsync(query, ct);

    public Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsAsync(string familyId, DateTimeOffset after, CancellationToken ct = default) =>
        inner.ReadBreakGlassOpeningsAsync(familyId, after, ct);

    public Task<long> CountEventsAsync(CancellationToken ct = default) => inner.CountEventsAsync(ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task<T> TimeRead<T>(Task<T> read)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await read;
        Interlocked.Increment(ref _reads);
        Interlocked.Add(ref _readMicros, Latencies.ElapsedMicros(started));
        return result;
    }
}

/// <summary>Journal appends in a window: how many, and how long each waited for its commit.</summary>
public sealed record JournalTimings(long Appends, double MeanMs, double P50Ms, double P99Ms, long Reads, double ReadMsTotal);
