namespace QpActors.Persistence;

/// <summary>
/// JSON as UTF-8 bytes, as the serialisers make them and the stores take them, compared by content (so the records
/// that hold it keep their generated equality). The bytes are not to be changed once wrapped.
/// </summary>
public readonly struct Utf8Json(byte[] bytes) : IEquatable<Utf8Json>
{
    public byte[] Bytes { get; } = bytes ?? throw new ArgumentNullException(nameof(bytes));

    public static implicit operator Utf8Json(byte[] bytes) => new(bytes);

    public static bool operator ==(Utf8Json left, Utf8Json right) => left.Equals(right);

    public static bool operator !=(Utf8Json left, Utf8Json right) => !left.Equals(right);

    public bool Equals(Utf8Json other) => Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is Utf8Json other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    /// <summary>The JSON as text, for logs and messages.</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(Bytes);
}

/// <summary>
/// One contact event as journalled. <see cref="Seq"/> is assigned by the store (pass 0 when
/// appending); <see cref="EventId"/> is the client's idempotency key. <see cref="Payload"/> is the
/// event's JSON as UTF-8.
/// </summary>
public sealed record JournalEvent(
    long Seq,
    string EventId,
    string Type,
    DateTimeOffset OccurredAt,
    DateTimeOffset ReceivedAt,
    string RecordedBy,
    string? FamilyId,
    string? ChildId,
    string? ChampionId,
    string? WardCode,
    long EntityVersion,
    Utf8Json Payload);

/// <summary>
/// The latest projection of one child, family or champion on a ward list, keyed like
/// "child:c-1". A stored entry is replaced only by one with a higher <see cref="Version"/>.
/// </summary>
/// <param name="Payload">
/// The projection's JSON as UTF-8, as the grains serialise it and the stores write it: a child event's payload
/// waits in the journal's queue until its commit, and half the bytes of a string there is half the copying when a
/// collection finds it still waiting.
/// </param>
public sealed record WardEntry(string EntryKey, string WardCode, string Kind, long Version, Utf8Json Payload);

/// <summary>
/// An entity left <see cref="WardCode"/> for another ward at <see cref="Version"/>: written with the entry that moves,
/// so that the ward, reloading, still refuses a late report of an older version naming it.
/// </summary>
public sealed record WardDeparture(string WardCode, string EntryKey, long Version)
{
    /// <summary>
    /// How long a departure row is kept after the move it records with Orleans' default messaging (the deadline sweep
    /// prunes older ones, <see cref="IEventJournal.PruneWardDeparturesAsync"/>; <see cref="KeptForMessaging"/> gives the
    /// keep for the silo's own settings). The row refuses a report of the entity's older version that was already on its
    /// way when the entity moved: every report made after the move names the new ward at a newer version. Such a report
    /// waits in a silo's feed for its next flush (every 50 ms; flushes take turns, each waiting for its calls at most
    /// Orleans' response timeout, 30 s by default) and then travels as a message that Orleans drops once it outlives that
    /// timeout (<c>MessagingOptions.DropExpiredMessages</c>, on by default). A report can therefore be late by about two
    /// response timeouts, a minute; a week is far beyond that, even for a silo paused or cut off for hours (the cluster
    /// declares it dead in seconds and no longer takes its messages). A row of an entity that never comes back thus goes a
    /// week after its move, rather than never; the live ward still remembers the departure in memory for as long as it
    /// stays active.
    /// </summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(7);

    /// <summary>The response timeout <see cref="KeptFor"/> was reasoned from: Orleans' default.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a departure row is kept with the silo's messaging settings, or null when no report can be said to be too
    /// late and the rows are kept until the entity comes back. The week of <see cref="KeptFor"/> holds as long as a report
    /// is late by two response timeouts at most; an operator who lengthens Orleans' response timeout lengthens that
    /// bound, so the keep grows with it, keeping the week's margin over the default (a week per 30 s of timeout), and
    /// never falls below a week. With expired messages not dropped (<paramref name="dropExpiredMessages"/> false), a
    /// message delivered late is handled however late it is, and with an infinite or unbounded timeout nothing expires:
    /// no age makes a row safe to remove, so none is (a table of one row per move, as before rows were pruned).
    /// </summary>
    public static TimeSpan? KeptForMessaging(TimeSpan responseTimeout, bool dropExpiredMessages)
    {
        var margin = KeptFor.Ticks / DefaultResponseTimeout.Ticks;
        if (!dropExpiredMessages || responseTimeout <= TimeSpan.Zero || responseTimeout.Ticks > TimeSpan.MaxValue.Ticks / margin)
        {
            return null;
        }

        return TimeSpan.FromTicks(Math.Max(KeptFor.Ticks, responseTimeout.Ticks * margin));
    }

    /// <summary>
    /// What a write of <paramref name="entry"/> carries when the entity was last in <paramref name="leftWard"/>: its
    /// departure from there if the entry names another ward, else nothing (the usual write, which adds no row).
    /// </summary>
    public static IReadOnlyList<WardDeparture>? From(string? leftWard, WardEntry? entry) =>
        entry is not null && leftWard is not null && !string.Equals(leftWard, entry.WardCode, StringComparison.Ordinal)
            ? [new WardDeparture(leftWard, entry.EntryKey, entry.Version)]
            : null;

    /// <summary>
    /// What the write that takes an entity out of every ward carries (an entered-in-error mark took back the record that
    /// put it in <paramref name="leftWard"/>): its departure from there at <paramref name="version"/>, as a move's, so a
    /// ward reloading before a late report of an older version arrives still refuses it. Nothing when it was in no ward.
    /// </summary>
    public static IReadOnlyList<WardDeparture>? Leaving(string? leftWard, string entryKey, long version) =>
        leftWard is null ? null : [new WardDeparture(leftWard, entryKey, version)];
}

/// <summary>When an entity next needs attention. A null <see cref="DueAt"/> clears it.</summary>
public sealed record Deadline(string EntityKey, DateTimeOffset? DueAt);

/// <summary>One audited access or change.</summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string UserId,
    string Role,
    string Action,
    string? FamilyId,
    string? ChildId,
    string? Purpose,
    bool BreakGlass,
    string? Reason,
    string? Detail)
{
    /// <summary>
    /// The <see cref="Detail"/> of the entry a read that gave a break-glass reason leaves: it opened a window on the family
    /// for its user, which <see cref="IEventJournal.ReadBreakGlassOpeningsAsync"/> finds again. The same text is in the
    /// statements and in the partial index that serves them (schema 0008 on PostgreSQL, 0006 on SQLite), so it never changes.
    /// </summary>
    public const string BreakGlassOpened = "break-glass window opened";
}

/// <summary>
/// Everything one caller wants stored together: all of it commits in one transaction, or
/// none of it does. If <see cref="Event"/> is a duplicate (its event id is already stored)
/// the ward entries and deadlines are not applied; audit entries always are, because the
/// attempt itself is something that happened. <see cref="Departures"/> are set only by a write that moves an entity
/// to another ward or takes it out of every ward (a mark, <see cref="WardDeparture.Leaving"/>), and are applied with its
/// ward entries. A stored entry is only ever replaced by a newer version.
/// </summary>
public sealed record JournalWrite(
    JournalEvent? Event,
    IReadOnlyList<WardEntry> WardEntries,
    IReadOnlyList<Deadline> Deadlines,
    IReadOnlyList<AuditEntry> AuditEntries,
    IReadOnlyList<WardDeparture>? Departures = null)
{
    /// <summary>A write holding just an event.</summary>
    public static JournalWrite ForEvent(JournalEvent journalEvent) => new(journalEvent, [], [], []);

    /// <summary>A write holding just audit entries.</summary>
    public static JournalWrite ForAudit(params AuditEntry[] entries) => new(null, [], [], entries);
}

/// <summary>
/// The outcome of an append. <see cref="Inserted"/> is false when the event id was already
/// stored; <see cref="Seq"/> is then the stored row's seq. A write without an event gives
/// Inserted=false, Seq=0, and so does an event of a unit that was not written because another of its ids was stored
/// (<see cref="Withheld"/>).
/// </summary>
public sealed record AppendResult(bool Inserted, long Seq)
{
    /// <summary>An event of a unit that met a stored id elsewhere in it: not written, and its id not stored.</summary>
    public static AppendResult Withheld { get; } = new(false, 0);

    /// <summary>Whether the write's event id is held by a stored row that this write did not insert.</summary>
    public bool Taken => !Inserted && Seq != 0;
}

/// <summary>Events of one child, family, champion or recorder, in seq order.</summary>
public sealed record EventQuery
{
    /// <summary>The most rows a query returns unless told otherwise.</summary>
    public const int DefaultLimit = 10_000;

    public string? ChildId { get; init; }
    public string? FamilyId { get; init; }
    public string? ChampionId { get; init; }
    public string? RecordedBy { get; init; }

    /// <summary>Only rows with a seq greater than this.</summary>
    public long AfterSeq { get; init; }

    public int Limit { get; init; } = DefaultLimit;

    public static EventQuery ForChild(string childId, long afterSeq = 0) => new() { ChildId = childId, AfterSeq = afterSeq };
    public static EventQuery ForFamily(string familyId, long afterSeq = 0) => new() { FamilyId = familyId, AfterSeq = afterSeq };
    public static EventQuery ForChampion(string championId, long afterSeq = 0) => new() { ChampionId = championId, AfterSeq = afterSeq };
    public static EventQuery ForRecorder(string recordedBy, long afterSeq = 0) => new() { RecordedBy = recordedBy, AfterSeq = afterSeq };

    /// <summary>The column and value selected; exactly one selector must be set.</summary>
    internal (string Column, string Value) Selector()
    {
        var chosen = new List<(string, string)>(1);
        if (ChildId is not null) chosen.Add(("child_id", ChildId));
        if (FamilyId is not null) chosen.Add(("family_id", FamilyId));
        if (ChampionId is not null) chosen.Add(("champion_id", ChampionId));
        if (RecordedBy is not null) chosen.Add(("recorded_by", RecordedBy));
        if (chosen.Count != 1)
        {
            throw new ArgumentException("Set exactly one of ChildId, FamilyId, ChampionId or RecordedBy.");
        }

        if (Limit <= 0)
        {
            throw new ArgumentException("Limit must be positive.");
        }

        return chosen[0];
    }
}

/// <summary>
/// Audit rows, newest first, optionally for one user and/or family, from <see cref="From"/>
/// (inclusive) to <see cref="To"/> (exclusive), paged by <see cref="Limit"/> and
/// <see cref="Offset"/>.
/// </summary>
public sealed record AuditQuery
{
    public string? UserId { get; init; }
    public string? FamilyId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int Limit { get; init; } = 100;
    public int Offset { get; init; }

    internal void Validate()
    {
        if (Limit <= 0)
        {
            throw new ArgumentException("Limit must be positive.");
        }

        if (Offset < 0)
        {
            throw new ArgumentException("Offset must not be negative.");
        }
    }
}

/// <summary>How the journal batches and how much it queues.</summary>
public sealed record JournalOptions
{
    /// <summary>
    /// Writes that may wait for a commit. When full, AppendAsync waits for room: overload
    /// shows as back-pressure on callers instead of growing memory.
    /// </summary>
    public int QueueCapacity { get; init; } = 16_384;

    /// <summary>Most writes committed in one transaction.</summary>
    public int MaxBatchSize { get; init; } = 1_000;

    /// <summary>
    /// PostgreSQL only: flushers committing in parallel, each on its own connection, so a
    /// batch fills while others are committing. SQLite always has exactly one writer.
    /// </summary>
    public int PostgresFlushers { get; init; } = 4;

    /// <summary>Clock for ward entries' updated_at.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public static JournalOptions Default { get; } = new();

    internal void Validate()
    {
        if (QueueCapacity <= 0) throw new ArgumentException("QueueCapacity must be positive.");
        if (MaxBatchSize <= 0) throw new ArgumentException("MaxBatchSize must be positive.");
        if (PostgresFlushers <= 0) throw new ArgumentException("PostgresFlushers must be positive.");
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
