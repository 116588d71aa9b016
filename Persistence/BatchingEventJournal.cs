using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;

namespace QpActors.Persistence;

/// <summary>
/// Writes one batch of journal writes in a single transaction. Each flusher owns one, with
/// its own connection, so implementations need not be thread-safe.
/// </summary>
internal abstract class JournalBatchWriter : IAsyncDisposable
{
    /// <summary>
    /// Writes all of <paramref name="writes"/> in one transaction and commits, or throws
    /// with nothing written. Results are in the order of the writes. <paramref name="units"/> are the callers' units of
    /// more than one write (<see cref="IEventJournal.AppendAllAsync"/>), in order; a unit one of whose event ids is
    /// already stored writes none of its events, ward entries, departures or deadlines (its audit entries still go).
    /// </summary>
    public abstract Task<AppendResult[]> WriteAsync(IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units);

    /// <summary>
    /// Whether <paramref name="failure"/> of <see cref="WriteAsync"/> leaves the outcome unknown: the
    /// connection failed after the batch was sent, so the server may have committed it. An error the
    /// server reported means it rolled back, and so does anything thrown before the batch was sent.
    /// </summary>
    public virtual bool LeavesOutcomeUnknown(Exception failure) => false;

    public abstract ValueTask DisposeAsync();
}

/// <summary>
/// A caller's unit of <see cref="Count"/> writes from <see cref="Start"/> in a batch: only units of more than one write
/// are named, since a single write already commits whole or, when its event id is stored, with its audit entries alone.
/// </summary>
internal readonly record struct JournalUnit(int Start, int Count)
{
    public int End => Start + Count;

    /// <summary>The units a batch of one caller's <paramref name="writes"/> holds: one, or none for a single write.</summary>
    public static IReadOnlyList<JournalUnit> Of(IReadOnlyList<JournalWrite> writes) => writes.Count > 1 ? [new JournalUnit(0, writes.Count)] : [];
}

/// <summary>
/// The shared part of both journals: a bounded queue in front of one or more flushers.
/// A flusher takes everything queued (up to the batch limit) the moment it is free, with no
/// linger, and commits it as one transaction; what arrives meanwhile forms the next batch.
/// So under load the batch size grows by itself and the cost of a commit is shared.
/// </summary>
internal abstract class BatchingEventJournal : IEventJournal
{
    /// <summary>The columns both stores select for a ward entry: entry_key, ward_code, kind, version, payload, in that order.</summary>
    protected const string WardEntryColumns = "entry_key, ward_code, kind, version, payload";

    /// <summary>A ward entry from a row of <see cref="WardEntryColumns"/>.</summary>
    protected static WardEntry WardEntryFrom(DbDataReader row) =>
        new(row.GetString(0), row.GetString(1), row.GetString(2), row.GetInt64(3), row.GetFieldValue<byte[]>(4));

    private readonly Channel<PendingWrite> queue;
    private readonly int maxBatchSize;
    private readonly KeyValuePair<string, object?>[] storeTags;
    private Task[] flushers = [];
    private int disposed;
    private long batchesCommitted;

    /// <param name="options">Queue capacity, batch limit and the clock.</param>
    /// <param name="system">The database system on the journal's metrics ("postgresql", "sqlite").</param>
    /// <param name="database">The database (PostgreSQL) or file (SQLite) on the journal's metrics.</param>
    protected BatchingEventJournal(JournalOptions options, string system, string? database)
    {
        Options = options;
        storeTags = JournalMetrics.StoreTags(system, database);
        maxBatchSize = options.MaxBatchSize;
        queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    protected JournalOptions Options { get; }

    protected bool IsDisposed => Volatile.Read(ref disposed) != 0;

    /// <summary>Transactions committed so far; fewer than appends when commits are shared.</summary>
    internal long BatchesCommitted => Interlocked.Read(ref batchesCommitted);

    /// <summary>Called once by the derived constructor, when it is ready to write.</summary>
    protected void StartFlushers(int count, Func<JournalBatchWriter> createWriter)
    {
        flushers = Enumerable.Range(0, count)
            .Select(_ => Task.Run(() => RunFlusherAsync(createWriter())))
            .ToArray();
    }

    public async Task<AppendResult> AppendAsync(JournalWrite write, CancellationToken ct = default) =>
        (await EnqueueAsync(new PendingWrite([Normalise(write)]), ct).ConfigureAwait(false))[0];

    public Task<AppendResult[]> AppendAllAsync(IReadOnlyList<JournalWrite> writes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentOutOfRangeException.ThrowIfZero(writes.Count);
        var normalised = new JournalWrite[writes.Count];
        for (var i = 0; i < normalised.Length; i++)
        {
            normalised[i] = Normalise(writes[i]);
        }

        return EnqueueAsync(new PendingWrite(normalised), ct);
    }

    private async Task<AppendResult[]> EnqueueAsync(PendingWrite pending, CancellationToken ct)
    {
        if (!queue.Writer.TryWrite(pending))
        {
            try
            {
                await queue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new ObjectDisposedException(GetType().Name);
            }
        }

        return await pending.Completion.Task.ConfigureAwait(false);
    }

    public Task DeleteDeadlineAsync(string entityKey, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityKey);
        return AppendAsync(new JournalWrite(null, [], [new Deadline(entityKey, null)], []), ct);
    }

    // Reads report a failure a retry may cure as writes do (see Classified), so a grain activating while the store is
    // briefly away, or a read waiting past a lock timeout, is "retry shortly" to whoever asked, not an error.
    public Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(EventQuery query, CancellationToken ct = default) =>
        ReadingAsync(() => ReadEventsCoreAsync(query, ct));

    public Task<JournalEvent?> FindEventAsync(string eventId, CancellationToken ct = default) =>
        ReadingAsync(() => FindEventCoreAsync(eventId, ct));

    public Task<IReadOnlyList<WardEntry>> ReadWardEntriesAsync(string wardCode, CancellationToken ct = default) =>
        ReadingAsync(() => ReadWardEntriesCoreAsync(wardCode, ct));

    public Task<WardEntry?> ReadWardEntryAsync(string entryKey, CancellationToken ct = default) =>
        ReadingAsync(() => ReadWardEntryCoreAsync(entryKey, ct));

    public Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesAsync(string wardCode, CancellationToken ct = default) =>
        ReadingAsync(() => ReadWardDeparturesCoreAsync(wardCode, ct));

    public Task<IReadOnlyList<Deadline>> ReadDueAsync(DateTimeOffset now, int max, CancellationToken ct = default) =>
        ReadingAsync(() => ReadDueCoreAsync(now, max, ct));

    // Told as a read is: a sweep that meets the store away fails as "retry", and the next sweep prunes instead.
    public Task<int> PruneWardDeparturesAsync(TimeSpan keptFor, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keptFor, TimeSpan.Zero);
        var leftBefore = Options.TimeProvider.GetUtcNow() - keptFor;
        return ReadingAsync(() => PruneWardDeparturesCoreAsync(leftBefore, ct));
    }

    // Told as a read is: a ward that meets the store away keeps the entry out of its memory and asks again when it reloads.
    public Task<bool> DeleteWardEntryAsync(string wardCode, string entryKey, long version, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(wardCode);
        ArgumentNullException.ThrowIfNull(entryKey);
        return ReadingAsync(() => DeleteWardEntryCoreAsync(wardCode, entryKey, version, ct));
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken ct = default) =>
        ReadingAsync(() => ReadAuditCoreAsync(query, ct));

    public Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsAsync(string familyId, DateTimeOffset after, CancellationToken ct = default) =>
        ReadingAsync(() => ReadBreakGlassOpeningsCoreAsync(familyId, after, ct));

    public Task<long> CountEventsAsync(CancellationToken ct = default) =>
        ReadingAsync(() => CountEventsCoreAsync(ct));

    protected abstract Task<IReadOnlyList<JournalEvent>> ReadEventsCoreAsync(EventQuery query, CancellationToken ct);

    protected abstract Task<JournalEvent?> FindEventCoreAsync(string eventId, CancellationToken ct);

    protected abstract Task<IReadOnlyList<WardEntry>> ReadWardEntriesCoreAsync(string wardCode, CancellationToken ct);

    protected abstract Task<WardEntry?> ReadWardEntryCoreAsync(string entryKey, CancellationToken ct);

    protected abstract Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesCoreAsync(string wardCode, CancellationToken ct);

    protected abstract Task<IReadOnlyList<Deadline>> ReadDueCoreAsync(DateTimeOffset now, int max, CancellationToken ct);

    /// <summary>Deletes the departure rows stamped before <paramref name="leftBefore"/>, if any; how many went.</summary>
    protected abstract Task<int> PruneWardDeparturesCoreAsync(DateTimeOffset leftBefore, CancellationToken ct);

    /// <summary>Deletes the ward entry if it is still at <paramref name="version"/> in <paramref name="wardCode"/>; whether it went.</summary>
    protected abstract Task<bool> DeleteWardEntryCoreAsync(string wardCode, string entryKey, long version, CancellationToken ct);

    protected abstract Task<IReadOnlyList<AuditEntry>> ReadAuditCoreAsync(AuditQuery query, CancellationToken ct);

    protected abstract Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsCoreAsync(string familyId, DateTimeOffset after, CancellationToken ct);

    protected abstract Task<long> CountEventsCoreAsync(CancellationToken ct);

    // Reads and writes tell a store's failure by one rule (StoreFailures), the rule grain state follows too; a write whose
    // outcome is unknown is "retry" as well (see Classified).
    private const string ReadUnavailable = "The event store could not be read for the moment; retry.";
    private const string ReadFailed = "The event store failed a read.";

    private async Task<T> ReadingAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreFailures.Told(ex, ReadUnavailable, ReadFailed) is { } told)
        {
            throw told;
        }
    }

    /// <summary>Stops taking writes, commits everything already queued, then releases connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        queue.Writer.TryComplete();
        await Task.WhenAll(flushers).ConfigureAwait(false);
        await DisposeResourcesAsync().ConfigureAwait(false);
    }

    protected abstract ValueTask DisposeResourcesAsync();

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    private async Task RunFlusherAsync(JournalBatchWriter writer)
    {
        await using var owned = writer;
        var reader = queue.Reader;
        var batch = new List<PendingWrite>(Math.Min(maxBatchSize, 1024));
        var writes = new List<JournalWrite>(batch.Capacity);

        // Kept and cleared rather than made per batch: most batches hold no unit of several writes.
        var units = new List<JournalUnit>();

        // Ends once the queue is completed and drained, so disposal loses nothing queued.
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // A unit of several writes is never split, so a batch may run past the limit by one unit.
            while (writes.Count < maxBatchSize && reader.TryRead(out var pending))
            {
                batch.Add(pending);
                if (pending.Writes.Length > 1)
                {
                    units.Add(new JournalUnit(writes.Count, pending.Writes.Length));
                }

                writes.AddRange(pending.Writes);
            }

            if (batch.Count > 0)
            {
                await CommitAsync(writer, batch, writes, units).ConfigureAwait(false);
                batch.Clear();
                writes.Clear();
                units.Clear();
            }
        }
    }

    private async Task CommitAsync(JournalBatchWriter writer, List<PendingWrite> batch, List<JournalWrite> writes, List<JournalUnit> units)
    {
        try
        {
            var results = await TimedWriteAsync(writer, writes, units).ConfigureAwait(false);
            var offset = 0;
            foreach (var pending in batch)
            {
                Complete(pending, results.AsSpan(offset, pending.Writes.Length).ToArray());
                offset += pending.Writes.Length;
            }

            return;
        }
        catch (Exception ex) when (batch.Count == 1 || writer.LeavesOutcomeUnknown(ex))
        {
            // One caller, or a batch that may have committed: a unit retried alone would then find its own events
            // stored and be told they were duplicates, and its grain would skip them. Every caller hears the
            // failure instead; one that retries finds its events by id, with the versions they were stored with.
            foreach (var pending in batch)
            {
                Fail(pending, Classified(writer, ex));
            }

            return;
        }
        catch (Exception)
        {
            // The batch rolled back as a whole. Retry each unit alone, so a bad write (or
            // a deadlock between batches) fails only the caller it belongs to.
        }

        foreach (var pending in batch)
        {
            try
            {
                Complete(pending, await TimedWriteAsync(writer, pending.Writes, JournalUnit.Of(pending.Writes)).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                Fail(pending, Classified(writer, ex));
            }
        }
    }

    private async Task<AppendResult[]> TimedWriteAsync(JournalBatchWriter writer, IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units)
    {
        var started = Stopwatch.GetTimestamp();
        var committed = false;
        try
        {
            var results = await writer.WriteAsync(writes, units).ConfigureAwait(false);
            committed = true;
            Interlocked.Increment(ref batchesCommitted);
            return results;
        }
        finally
        {
            JournalMetrics.Committed(storeTags, writes.Count, Stopwatch.GetElapsedTime(started), committed);
        }
    }

    private void Complete(PendingWrite pending, AppendResult[] results)
    {
        JournalMetrics.Appended(storeTags, Stopwatch.GetElapsedTime(pending.QueuedAt));
        pending.Completion.TrySetResult(results);
    }

    /// <summary>
    /// A failure a retry may cure reaches the caller as <see cref="JournalUnavailableException"/> (the store's own
    /// exception inside it), any other of the store's as <see cref="StoreFailedException"/>, so callers need not know
    /// either store's exception types to tell "retry" from "broken", and neither driver's exception leaves the silo.
    /// </summary>
    private static Exception Classified(JournalBatchWriter writer, Exception failure) =>
        failure is not JournalUnavailableException && writer.LeavesOutcomeUnknown(failure)
            ? new JournalUnavailableException(WriteUnavailable, failure)
            : StoreFailures.Told(failure, WriteUnavailable, "The event store refused the write; nothing was recorded.") ?? failure;

    private const string WriteUnavailable = "The event store could not take the write (it may have committed); retry with the same event ids.";

    private void Fail(PendingWrite pending, Exception ex)
    {
        JournalMetrics.Appended(storeTags, Stopwatch.GetElapsedTime(pending.QueuedAt));
        pending.Completion.TrySetException(ex);
    }

    private static JournalWrite Normalise(JournalWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (write.Event is { } e)
        {
            ArgumentException.ThrowIfNullOrEmpty(e.EventId, "write.Event.EventId");
            ArgumentException.ThrowIfNullOrEmpty(e.Type, "write.Event.Type");
            ArgumentNullException.ThrowIfNull(e.RecordedBy, "write.Event.RecordedBy");
            ArgumentNullException.ThrowIfNull(e.Payload.Bytes, "write.Event.Payload");
        }

        // Records promise non-null lists, but a caller may still hand over null.
        return write with
        {
            WardEntries = write.WardEntries ?? [],
            Deadlines = write.Deadlines ?? [],
            AuditEntries = write.AuditEntries ?? [],
        };
    }

    /// <summary>One caller's unit: a single write, or several that must commit together.</summary>
    private sealed class PendingWrite(JournalWrite[] writes)
    {
        public JournalWrite[] Writes { get; } = writes;

        /// <summary>When the caller handed it over, for the time it waits to be durable.</summary>
        public long QueuedAt { get; } = Stopwatch.GetTimestamp();

        // Callers' continuations must not run on the flusher, or one slow caller would
        // hold up the next commit.
        public TaskCompletionSource<AppendResult[]> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
