using System.Collections.Frozen;
using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace QpActors.Persistence;

/// <summary>
/// The journal on PostgreSQL: several flushers, each with its own connection, commit batches
/// in parallel; rows go in as arrays through unnest, one statement per table, and a batch
/// with no stored event id is written and committed in a single round trip.
/// </summary>
/// <remarks>
/// Every statement takes its parameters by position (<c>$1</c>, <c>$2</c>, ...), added unnamed in that
/// order: with names, Npgsql parses each statement's text on every execution to rewrite <c>@name</c>
/// into positions, which was 6% of the bytes a birth allocated (two activation reads and a commit).
/// </remarks>
internal sealed class PostgresEventJournal : BatchingEventJournal
{
    private const string EventColumns =
        "seq, event_id, type, occurred_at, received_at, recorded_by, family_id, child_id, champion_id, ward_code, entity_version, payload::text";

    // Writers: one connection per flusher, held for its life, with the session settings in WriterSession.
    private readonly NpgsqlDataSource writers;

    // Reads: grains replay their history on activation, a family catches up, wards load their entries.
    private readonly NpgsqlDataSource reads;

    public PostgresEventJournal(string connectionString, JournalOptions options)
        : base(options, "postgresql", new NpgsqlConnectionStringBuilder(connectionString).Database)
    {
        writers = Build(connectionString, multiplexing: false);

        // Reads are multiplexed: concurrent reads share a few connections and go out pipelined, so a server
        // backend wakes once for several of them rather than once per read on a connection of its own (on this
        // 2-core machine a fifth of PostgreSQL's time during births was backends switching in). Births, which read
        // a new child's and family's empty histories, went from 1,020-1,401 to 1,971-2,104 a second (docs/
        // benchmarks.md, fourteenth round). No read depends on session state, which multiplexing does not keep,
        // and none is ever returned to a pool, so no connection reset runs between them either.
        reads = Build(connectionString, multiplexing: true);
        StartFlushers(options.PostgresFlushers, () => new Writer(writers, options.TimeProvider));
    }

    private static NpgsqlDataSource Build(string connectionString, bool multiplexing)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);

        // The journal's statements never change, so let Npgsql prepare them per connection.
        builder.ConnectionStringBuilder.MaxAutoPrepare = Math.Max(builder.ConnectionStringBuilder.MaxAutoPrepare, 16);
        builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        builder.ConnectionStringBuilder.Multiplexing = multiplexing;
        return builder.Build();
    }

    protected override async Task<IReadOnlyList<JournalEvent>> ReadEventsCoreAsync(EventQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (column, value) = query.Selector();
        ThrowIfDisposed();
        await using var command = reads.CreateCommand(EventsByColumn[column]);
        AddByPosition(command.Parameters, value);
        AddByPosition(command.Parameters, query.AfterSeq);
        AddByPosition(command.Parameters, query.Limit);
        return await ReadEventRowsAsync(command, ct);
    }

    // One statement text per column events are read by, made once rather than per read.
    private static readonly FrozenDictionary<string, string> EventsByColumn =
        new[] { "child_id", "family_id", "champion_id", "recorded_by" }.ToFrozenDictionary(
            column => column,
            column => $"SELECT {EventColumns} FROM qp_events WHERE {column} = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            StringComparer.Ordinal);

    /// <summary>
    /// Adds the statement's next positional parameter (<c>$1</c>, <c>$2</c>, ...). Typed, so Npgsql writes the value
    /// without boxing it or looking its type up again.
    /// </summary>
    private static void AddByPosition<T>(NpgsqlParameterCollection parameters, T value, NpgsqlDbType? type = null)
    {
        var parameter = new NpgsqlParameter<T> { TypedValue = value };
        if (type is { } known)
        {
            parameter.NpgsqlDbType = known;
        }

        parameters.Add(parameter);
    }

    protected override async Task<JournalEvent?> FindEventCoreAsync(string eventId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ThrowIfDisposed();
        await using var command = reads.CreateCommand($"SELECT {EventColumns} FROM qp_events WHERE event_id = $1");
        AddByPosition(command.Parameters, eventId);
        var rows = await ReadEventRowsAsync(command, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    protected override async Task<IReadOnlyList<WardEntry>> ReadWardEntriesCoreAsync(string wardCode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(wardCode);
        ThrowIfDisposed();
        await using var command = reads.CreateCommand(
            $"SELECT {WardEntryColumns} FROM qp_ward_entries WHERE ward_code = $1 ORDER BY entry_key");
        AddByPosition(command.Parameters, wardCode);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<WardEntry>();
        while (await reader.ReadAsync(ct))
        {
            entries.Add(WardEntryFrom(reader));
        }

        return entries;
    }

    protected override async Task<WardEntry?> ReadWardEntryCoreAsync(string entryKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entryKey);
        ThrowIfDisposed();
        await using var command = reads.CreateCommand(
            $"SELECT {WardEntryColumns} FROM qp_ward_entries WHERE entry_key = $1");
        AddByPosition(command.Parameters, entryKey);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? WardEntryFrom(reader)
            : null;
    }

    protected override async Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesCoreAsync(string wardCode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(wardCode);
        ThrowIfDisposed();
        await using var command = reads.CreateCommand("SELECT ward_code, entry_key, version FROM qp_ward_departures WHERE ward_code = $1");
        AddByPosition(command.Parameters, wardCode);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var departures = new List<WardDeparture>();
        while (await reader.ReadAsync(ct))
        {
            departures.Add(new WardDeparture(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return departures;
    }

    protected override async Task<int> PruneWardDeparturesCoreAsync(DateTimeOffset leftBefore, CancellationToken ct)
    {
        ThrowIfDisposed();

        // A move rewriting a row meanwhile stamps it afresh: the delete re-checks left_at on the row it waited for and
        // leaves it, and one that finds the row gone inserts it again. The scan reads a table of a week's moves.
        await using var command = writers.CreateCommand("DELETE FROM qp_ward_departures WHERE left_at < $1");
        AddByPosition(command.Parameters, JournalTime.ToUtc(leftBefore), NpgsqlDbType.TimestampTz);
        return await command.ExecuteNonQueryAsync(ct);
    }

    protected override async Task<bool> DeleteWardEntryCoreAsync(string wardCode, string entryKey, long version, CancellationToken ct)
    {
        ThrowIfDisposed();

        // Outside the writers' batches: it is rare, and the version guard leaves an entry the entity wrote meanwhile.
        await using var command = writers.CreateCommand("DELETE FROM qp_ward_entries WHERE entry_key = $1 AND ward_code = $2 AND version = $3");
        AddByPosition(command.Parameters, entryKey);
        AddByPosition(command.Parameters, wardCode);
        AddByPosition(command.Parameters, version);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    protected override async Task<IReadOnlyList<Deadline>> ReadDueCoreAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfDisposed();
        await using var command = reads.CreateCommand(
            "SELECT entity_key, due_at FROM qp_deadlines WHERE due_at <= $1 ORDER BY due_at, entity_key LIMIT $2");
        AddByPosition(command.Parameters, JournalTime.ToUtc(now), NpgsqlDbType.TimestampTz);
        AddByPosition(command.Parameters, max);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var due = new List<Deadline>();
        while (await reader.ReadAsync(ct))
        {
            due.Add(new Deadline(reader.GetString(0), JournalTime.FromUtc(reader.GetDateTime(1))));
        }

        return due;
    }

    protected override async Task<IReadOnlyList<AuditEntry>> ReadAuditCoreAsync(AuditQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        ThrowIfDisposed();
        await using var command = reads.CreateCommand();
        var where = new List<string>();

        // Each condition names the position of the parameter it adds.
        string Next<T>(T value, NpgsqlDbType type)
        {
            AddByPosition(command.Parameters, value, type);
            return "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (query.UserId is not null)
        {
            where.Add("user_id = " + Next(query.UserId, NpgsqlDbType.Text));
        }

        if (query.FamilyId is not null)
        {
            where.Add("family_id = " + Next(query.FamilyId, NpgsqlDbType.Text));
        }

        if (query.From is { } from)
        {
            where.Add("at >= " + Next(JournalTime.ToUtc(from), NpgsqlDbType.TimestampTz));
        }

        if (query.To is { } to)
        {
            where.Add("at < " + Next(JournalTime.ToUtc(to), NpgsqlDbType.TimestampTz));
        }

        var limit = Next(query.Limit, NpgsqlDbType.Integer);
        var offset = Next(query.Offset, NpgsqlDbType.Integer);
        command.CommandText =
            $"SELECT {AuditColumns} FROM qp_audit" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
            $" ORDER BY at DESC, seq DESC LIMIT {limit} OFFSET {offset}";
        return await ReadAuditRowsAsync(command, ct);
    }

    // The predicate is written out as the partial index qp_audit_break_glass_openings (schema 0008) states it, constant
    // included, so the planner can prove the index covers the query; as a parameter it could not.
    internal const string BreakGlassOpenings =
        $"SELECT {AuditColumns} FROM qp_audit WHERE family_id = $1 AND at > $2 AND break_glass AND detail = '{AuditEntry.BreakGlassOpened}' ORDER BY at, seq";

    protected override async Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsCoreAsync(string familyId, DateTimeOffset after, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(familyId);
        ThrowIfDisposed();
        await using var command = reads.CreateCommand(BreakGlassOpenings);
        AddByPosition(command.Parameters, familyId);
        AddByPosition(command.Parameters, JournalTime.ToUtc(after), NpgsqlDbType.TimestampTz);
        return await ReadAuditRowsAsync(command, ct);
    }

    private const string AuditColumns = "at, user_id, role, action, family_id, child_id, purpose, break_glass, reason, detail";

    private static async Task<IReadOnlyList<AuditEntry>> ReadAuditRowsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new AuditEntry(
                JournalTime.FromUtc(reader.GetDateTime(0)),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                NullableString(reader, 4),
                NullableString(reader, 5),
                NullableString(reader, 6),
                reader.GetBoolean(7),
                NullableString(reader, 8),
                NullableString(reader, 9)));
        }

        return entries;
    }

    protected override async Task<long> CountEventsCoreAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        await using var command = reads.CreateCommand("SELECT count(*) FROM qp_events");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The settings every writer connection runs with (see <see cref="Writer"/>).</summary>
    internal const string WriterSession = "SET synchronous_commit TO on; SET enable_seqscan TO off";

    /// <summary>The journal's read pool, for tests that check how its connections behave.</summary>
    internal NpgsqlDataSource ReadSource => reads;

    protected override async ValueTask DisposeResourcesAsync()
    {
        await reads.DisposeAsync();
        await writers.DisposeAsync();
    }

    private static async Task<IReadOnlyList<JournalEvent>> ReadEventRowsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<JournalEvent>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(new JournalEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                JournalTime.FromUtc(reader.GetDateTime(3)),
                JournalTime.FromUtc(reader.GetDateTime(4)),
                reader.GetString(5),
                NullableString(reader, 6),
                NullableString(reader, 7),
                NullableString(reader, 8),
                NullableString(reader, 9),
                reader.GetInt64(10),
                reader.GetFieldValue<byte[]>(11)));
        }

        return events;
    }

    private static string? NullableString(IDataRecord record, int ordinal) =>
        record.IsDBNull(ordinal) ? null : record.GetString(ordinal);

    private sealed class Writer(NpgsqlDataSource dataSource, TimeProvider clock) : JournalBatchWriter
    {
        // The rows in the order they were queued, so seq follows queue order within a batch.
        // Each statement's parameters are arrays, one per column, in the order of its unnest's column list.
        private const string EventRows = """
            SELECT r.event_id, r.type, r.occurred_at, r.received_at, r.recorded_by, r.family_id, r.child_id,
                   r.champion_id, r.ward_code, r.entity_version, r.payload::json
              FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                   WITH ORDINALITY AS r(event_id, type, occurred_at, received_at, recorded_by, family_id, child_id,
                                        champion_id, ward_code, entity_version, payload, ord)
             ORDER BY r.ord
            """;

        private const string EventTarget = """
            INSERT INTO qp_events (event_id, type, occurred_at, received_at, recorded_by, family_id, child_id,
                                   champion_id, ward_code, entity_version, payload)
            """;

        // Expecting every event to be new: a stored event id fails the whole batch (unique violation).
        private const string InsertNewEvents = EventTarget + "\n" + EventRows + "\nRETURNING event_id, seq";

        // Duplicates expected: stored ids are skipped and looked up afterwards.
        private const string InsertEventsSkippingStored = EventTarget + "\n" + EventRows + "\nON CONFLICT (event_id) DO NOTHING RETURNING event_id, seq";

        private const string EventIdConstraint = "qp_events_event_id_key";

        private const string FindExisting = "SELECT event_id, seq FROM qp_events WHERE event_id = ANY($1)";

        private const string UpsertWardEntries = """
            INSERT INTO qp_ward_entries (entry_key, ward_code, kind, version, payload, updated_at)
            SELECT w.entry_key, w.ward_code, w.kind, w.version, w.payload, $6
              FROM unnest($1, $2, $3, $4, $5) AS w(entry_key, ward_code, kind, version, payload)
            ON CONFLICT (entry_key) DO UPDATE
               SET ward_code = excluded.ward_code, kind = excluded.kind, version = excluded.version,
                   payload = excluded.payload, updated_at = excluded.updated_at
             WHERE qp_ward_entries.version < excluded.version
                OR (qp_ward_entries.version = excluded.version AND qp_ward_entries.payload <> excluded.payload)
            """;

        // Only a write that moves an entity adds this statement to a batch.
        private const string UpsertDepartures = """
            INSERT INTO qp_ward_departures (ward_code, entry_key, version, left_at)
            SELECT d.ward_code, d.entry_key, d.version, $4
              FROM unnest($1, $2, $3) AS d(ward_code, entry_key, version)
            ON CONFLICT (ward_code, entry_key) DO UPDATE
               SET version = excluded.version, left_at = excluded.left_at
             WHERE qp_ward_departures.version < excluded.version
            """;

        // With the upsert above, and so only in a write that moves an entity or takes it out of every ward: the entity's
        // entry in the ward it left goes if it is at or below the departure's version, which refuses it anyway. A move has
        // just rewritten its entry to name the new ward, so this finds nothing; a mark that took back the record that put
        // the entity in the ward leaves its old entry there, which a ward reloading would count again. In the departure's
        // own commit, so the two never disagree, and one indexed delete per entity rather than a read of the ward's entries.
        private const string DeleteEntriesLeft = """
            DELETE FROM qp_ward_entries AS e
             USING unnest($1, $2, $3) AS d(ward_code, entry_key, version)
             WHERE e.entry_key = d.entry_key AND e.ward_code = d.ward_code AND e.version <= d.version
            """;

        // With the upsert above, and so only in a moving write: an entity that moved back into a ward it had left holds
        // an entry there newer than its departure, which refuses every report the departure refused, so the row goes.
        // Decided by the stored entry (written by an earlier statement of this batch), not by what this write says.
        private const string DeleteSupersededDepartures = """
            DELETE FROM qp_ward_departures AS d
             USING qp_ward_entries AS e
             WHERE e.entry_key = ANY($1)
               AND d.ward_code = e.ward_code AND d.entry_key = e.entry_key AND d.version < e.version
            """;

        // Only a unit that met a stored id adds this, for the rows it inserted earlier in the same transaction (see
        // WithholdUnits): the unit is not written at all.
        private const string DeleteWithheldEvents = "DELETE FROM qp_events WHERE event_id = ANY($1)";

        private const string UpsertDeadlines = """
            INSERT INTO qp_deadlines (entity_key, due_at)
            SELECT d.entity_key, d.due_at FROM unnest($1, $2) AS d(entity_key, due_at)
            ON CONFLICT (entity_key) DO UPDATE SET due_at = excluded.due_at
            """;

        private const string DeleteDeadlines = "DELETE FROM qp_deadlines WHERE entity_key = ANY($1)";

        private const string InsertAudit = """
            INSERT INTO qp_audit (at, user_id, role, action, family_id, child_id, purpose, break_glass, reason, detail)
            SELECT a.at, a.user_id, a.role, a.action, a.family_id, a.child_id, a.purpose, a.break_glass, a.reason, a.detail
              FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                   WITH ORDINALITY AS a(at, user_id, role, action, family_id, child_id, purpose, break_glass, reason, detail, ord)
             ORDER BY a.ord
            """;

        /// <summary>
        /// The batch met a repeat of an id that a unit withheld in the same batch had inserted: thrown before anything is
        /// committed, so that each caller's writes are tried alone.
        /// </summary>
        private sealed class WrittenAloneException(string eventId)
            : Exception($"Event {eventId} repeats an id a withheld unit of the same batch had inserted; the batch's units are written one by one.");

        private NpgsqlConnection? connection;

        // Npgsql reports a broken connection or a timeout as an NpgsqlException that is not a PostgresException
        // (an error the server sent, after which it rolled back): the commit may or may not have happened.
        public override bool LeavesOutcomeUnknown(Exception failure) =>
            failure is NpgsqlException and not PostgresException || failure is IOException or TimeoutException;

        public override async Task<AppendResult[]> WriteAsync(IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units)
        {
            var open = await EnsureOpenAsync().ConfigureAwait(false);
            if (!RepeatsAnEventId(writes))
            {
                try
                {
                    return await WriteAllNewAsync(open, writes).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == EventIdConstraint)
                {
                    // An event id is already stored (a client's retry, or another flusher's commit):
                    // nothing of this attempt stayed. Write the batch again, sorting out which are new.
                }
            }

            return await WriteCheckingDuplicatesAsync(open, writes, units).ConfigureAwait(false);
        }

        /// <summary>
        /// The usual case, in one round trip: every statement goes in one batch with no explicit
        /// transaction, so PostgreSQL runs them in one implicit transaction and commits at the
        /// batch's end (synchronous_commit on: after the WAL flush), or rolls all of them back on
        /// the first error. BEGIN and COMMIT round trips are saved, which on a batch of a few
        /// dozen writes is much of the cost on both sides.
        /// </summary>
        private async Task<AppendResult[]> WriteAllNewAsync(NpgsqlConnection open, IReadOnlyList<JournalWrite> writes)
        {
            var results = new AppendResult[writes.Count];
            var accepted = new bool[writes.Count];
            Array.Fill(accepted, true);
            var rows = new List<JournalEvent>(writes.Count);
            foreach (var write in writes)
            {
                if (write.Event is { } e)
                {
                    rows.Add(e);
                }
            }

            await using var batch = new NpgsqlBatch(open);
            if (rows.Count > 0)
            {
                var insert = new NpgsqlBatchCommand(InsertNewEvents);
                AddEventArrays(insert.Parameters, rows);
                batch.BatchCommands.Add(insert);
            }

            AddWardEntries(batch, writes, accepted);
            AddDepartures(batch, writes, accepted);
            AddDeadlines(batch, writes, accepted);
            AddAudit(batch, writes);
            if (batch.BatchCommands.Count == 0)
            {
                Array.Fill(results, new AppendResult(false, 0));
                return results;
            }

            var seqs = new Dictionary<string, long>(rows.Count, StringComparer.Ordinal);
            await using (var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false))
            {
                if (rows.Count > 0)
                {
                    while (await reader.ReadAsync().ConfigureAwait(false))
                    {
                        seqs.Add(reader.GetString(0), reader.GetInt64(1));
                    }
                }

                // Reading to the end surfaces an error from any later statement or from the
                // commit itself; only then is the batch durable.
                while (await reader.NextResultAsync().ConfigureAwait(false))
                {
                }
            }

            for (var i = 0; i < writes.Count; i++)
            {
                results[i] = writes[i].Event is { } e
                    ? new AppendResult(true, seqs.TryGetValue(e.EventId, out var seq)
                        ? seq
                        : throw new InvalidOperationException($"Event {e.EventId} was committed but its seq was not returned."))
                    : new AppendResult(false, 0);
            }

            return results;
        }

        /// <summary>
        /// When the batch holds a stored event id or repeats one: an explicit transaction in
        /// which the events go first, and ward entries and deadlines follow only for the new ones
        /// (and only for units all of whose events are new).
        /// </summary>
        private async Task<AppendResult[]> WriteCheckingDuplicatesAsync(NpgsqlConnection open, IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units)
        {
            await using var transaction = await open.BeginTransactionAsync().ConfigureAwait(false);
            var results = new AppendResult[writes.Count];
            var accepted = await InsertEventsAsync(open, transaction, writes, results).ConfigureAwait(false);

            await using var batch = new NpgsqlBatch(open, transaction);
            WithholdUnits(batch, writes, units, accepted, results);
            AddWardEntries(batch, writes, accepted);
            AddDepartures(batch, writes, accepted);
            AddDeadlines(batch, writes, accepted);
            AddAudit(batch, writes);
            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            await transaction.CommitAsync().ConfigureAwait(false);
            return results;
        }

        private static bool RepeatsAnEventId(IReadOnlyList<JournalWrite> writes)
        {
            HashSet<string>? seen = null;
            foreach (var write in writes)
            {
                if (write.Event is { } e && !(seen ??= new HashSet<string>(writes.Count, StringComparer.Ordinal)).Add(e.EventId))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// A unit one of whose events was not inserted (its id stored, or taken earlier in this batch) is written not at
        /// all: the rows it did insert go again in this transaction, and none of its writes is accepted. Runs only on the
        /// path that already met a stored id, so a batch with none pays nothing for it.
        /// </summary>
        private static void WithholdUnits(NpgsqlBatch batch, IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units, bool[] accepted, AppendResult[] results)
        {
            List<string>? removed = null;
            foreach (var unit in units)
            {
                var whole = true;
                for (var k = unit.Start; k < unit.End && whole; k++)
                {
                    whole = writes[k].Event is null || results[k].Inserted;
                }

                if (whole)
                {
                    continue;
                }

                var inserted = new HashSet<long>();
                for (var k = unit.Start; k < unit.End; k++)
                {
                    accepted[k] = false;
                    if (results[k].Inserted)
                    {
                        (removed ??= []).Add(writes[k].Event!.EventId);
                        inserted.Add(results[k].Seq);
                        results[k] = AppendResult.Withheld;
                    }
                }

                // An id the unit repeats was found in the unit's own row, which goes: it is not taken either.
                for (var k = unit.Start; k < unit.End; k++)
                {
                    if (inserted.Contains(results[k].Seq))
                    {
                        results[k] = AppendResult.Withheld;
                    }
                }
            }

            if (removed is null)
            {
                return;
            }

            // A write of another caller answered as a repeat of a row that now goes would have been inserted, had the
            // unit not been in this batch: the batch fails as a whole, and each unit is written again alone, where no
            // other's row can stand in for its own (see BatchingEventJournal.CommitAsync).
            var gone = removed.ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < writes.Count; i++)
            {
                if (results[i].Taken && gone.Contains(writes[i].Event!.EventId))
                {
                    throw new WrittenAloneException(writes[i].Event!.EventId);
                }
            }

            var delete = new NpgsqlBatchCommand(DeleteWithheldEvents);
            AddByPosition(delete.Parameters, removed.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            batch.BatchCommands.Add(delete);
        }

        public override async ValueTask DisposeAsync()
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                connection = null;
            }
        }

        private async Task<NpgsqlConnection> EnsureOpenAsync()
        {
            if (connection is { State: ConnectionState.Open })
            {
                return connection;
            }

            // A broken connection is replaced rather than repaired.
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                connection = null;
            }

            var fresh = await dataSource.OpenConnectionAsync().ConfigureAwait(false);

            // The journal acknowledges only durable writes, whatever the server default is.
            // Every statement a writer runs finds its rows by key, so a sequential scan is never the
            // right plan; yet the prepared plans are made once per connection and kept, and on a new
            // database they are made while the tables are nearly empty, when a scan looks cheapest.
            // The deadline delete (`entity_key = ANY(...)`) then kept scanning the whole table on
            // every batch (1-2 ms each) long after it had grown. Turning scans off for these
            // connections makes the key's index the plan whatever the statistics were.
            await using (var setting = new NpgsqlCommand(WriterSession, fresh))
            {
                await setting.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            connection = fresh;
            return fresh;
        }

        /// <summary>
        /// Inserts the batch's events, fills in every write's result and returns which writes
        /// are accepted (their ward entries and deadlines apply).
        /// </summary>
        private static async Task<bool[]> InsertEventsAsync(
            NpgsqlConnection open, NpgsqlTransaction transaction, IReadOnlyList<JournalWrite> writes, AppendResult[] results)
        {
            var accepted = new bool[writes.Count];
            var firstById = new Dictionary<string, int>(StringComparer.Ordinal);
            var rows = new List<JournalEvent>(writes.Count);
            for (var i = 0; i < writes.Count; i++)
            {
                if (writes[i].Event is not { } e)
                {
                    accepted[i] = true;
                    results[i] = new AppendResult(false, 0);
                }
                else if (firstById.TryAdd(e.EventId, i))
                {
                    rows.Add(e);
                }
            }

            if (rows.Count == 0)
            {
                return accepted;
            }

            var inserted = new Dictionary<string, long>(rows.Count, StringComparer.Ordinal);
            await using (var insert = new NpgsqlCommand(InsertEventsSkippingStored, open, transaction))
            {
                AddEventArrays(insert.Parameters, rows);
                await using var reader = await insert.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    inserted[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            // Ids that were already stored (or committed by another flusher while this
            // insert waited on them): look up the seq they have.
            var existing = new Dictionary<string, long>(StringComparer.Ordinal);
            if (inserted.Count < rows.Count)
            {
                var missing = rows.Select(r => r.EventId).Where(id => !inserted.ContainsKey(id)).ToArray();
                await using var find = new NpgsqlCommand(FindExisting, open, transaction);
                AddByPosition(find.Parameters, missing, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await using var reader = await find.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    existing[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            for (var i = 0; i < writes.Count; i++)
            {
                if (writes[i].Event is not { } e)
                {
                    continue;
                }

                var first = firstById[e.EventId] == i;
                if (first && inserted.TryGetValue(e.EventId, out var seq))
                {
                    accepted[i] = true;
                    results[i] = new AppendResult(true, seq);
                }
                else if (inserted.TryGetValue(e.EventId, out seq) || existing.TryGetValue(e.EventId, out seq))
                {
                    // A duplicate: of a stored row, or of an earlier write in this batch (first wins).
                    results[i] = new AppendResult(false, seq);
                }
                else
                {
                    throw new InvalidOperationException($"Event {e.EventId} was neither inserted nor found.");
                }
            }

            return accepted;
        }

        private void AddWardEntries(NpgsqlBatch batch, IReadOnlyList<JournalWrite> writes, bool[] accepted)
        {
            // One row per key (the highest version; the last on a tie, as if committed one by one), sorted so
            // that concurrent batches lock rows in the same order and cannot deadlock.
            var byKey = new Dictionary<string, WardEntry>(StringComparer.Ordinal);
            for (var i = 0; i < writes.Count; i++)
            {
                if (!accepted[i])
                {
                    continue;
                }

                foreach (var entry in writes[i].WardEntries)
                {
                    if (!byKey.TryGetValue(entry.EntryKey, out var held) || entry.Version >= held.Version)
                    {
                        byKey[entry.EntryKey] = entry;
                    }
                }
            }

            if (byKey.Count == 0)
            {
                return;
            }

            var rows = byKey.Values.OrderBy(e => e.EntryKey, StringComparer.Ordinal).ToList();
            var command = new NpgsqlBatchCommand(UpsertWardEntries);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.EntryKey);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.WardCode);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Kind);
            AddArray(command.Parameters, NpgsqlDbType.Bigint, rows, r => r.Version);
            // Text from its UTF-8 bytes: Npgsql sends them as they are, with no string in between.
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Payload.Bytes);
            AddByPosition(command.Parameters, JournalTime.ToUtc(clock.GetUtcNow()), NpgsqlDbType.TimestampTz);
            batch.BatchCommands.Add(command);
        }

        private void AddDepartures(NpgsqlBatch batch, IReadOnlyList<JournalWrite> writes, bool[] accepted)
        {
            Dictionary<(string Ward, string Key), long>? byKey = null;
            for (var i = 0; i < writes.Count; i++)
            {
                if (!accepted[i] || writes[i].Departures is not { Count: > 0 } departures)
                {
                    continue;
                }

                byKey ??= [];
                foreach (var departure in departures)
                {
                    var key = (departure.WardCode, departure.EntryKey);
                    if (!byKey.TryGetValue(key, out var held) || departure.Version > held)
                    {
                        byKey[key] = departure.Version;
                    }
                }
            }

            if (byKey is null)
            {
                return;
            }

            // Sorted, like the entries, so that concurrent batches lock rows in the same order.
            var rows = byKey.OrderBy(r => r.Key.Ward, StringComparer.Ordinal).ThenBy(r => r.Key.Key, StringComparer.Ordinal).ToList();
            var command = new NpgsqlBatchCommand(UpsertDepartures);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Key.Ward);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Key.Key);
            AddArray(command.Parameters, NpgsqlDbType.Bigint, rows, r => r.Value);
            AddByPosition(command.Parameters, JournalTime.ToUtc(clock.GetUtcNow()), NpgsqlDbType.TimestampTz);
            batch.BatchCommands.Add(command);

            var left = new NpgsqlBatchCommand(DeleteEntriesLeft);
            AddArray(left.Parameters, NpgsqlDbType.Text, rows, r => r.Key.Ward);
            AddArray(left.Parameters, NpgsqlDbType.Text, rows, r => r.Key.Key);
            AddArray(left.Parameters, NpgsqlDbType.Bigint, rows, r => r.Value);
            batch.BatchCommands.Add(left);

            var prune = new NpgsqlBatchCommand(DeleteSupersededDepartures);
            AddArray(prune.Parameters, NpgsqlDbType.Text, rows.Select(r => r.Key.Key).Distinct(StringComparer.Ordinal).ToList(), key => key);
            batch.BatchCommands.Add(prune);
        }

        private static void AddDeadlines(NpgsqlBatch batch, IReadOnlyList<JournalWrite> writes, bool[] accepted)
        {
            // The last word on a key wins, as it would had the writes committed one by one.
            var byKey = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
            for (var i = 0; i < writes.Count; i++)
            {
                if (!accepted[i])
                {
                    continue;
                }

                foreach (var deadline in writes[i].Deadlines)
                {
                    byKey[deadline.EntityKey] = deadline.DueAt;
                }
            }

            var set = byKey.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            if (set.Count > 0)
            {
                var upsert = new NpgsqlBatchCommand(UpsertDeadlines);
                AddArray(upsert.Parameters, NpgsqlDbType.Text, set, p => p.Key);
                AddArray(upsert.Parameters, NpgsqlDbType.TimestampTz, set, p => JournalTime.ToUtc(p.Value!.Value));
                batch.BatchCommands.Add(upsert);
            }

            var cleared = byKey.Where(p => p.Value is null).Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
            if (cleared.Length > 0)
            {
                var delete = new NpgsqlBatchCommand(DeleteDeadlines);
                AddByPosition(delete.Parameters, cleared, NpgsqlDbType.Array | NpgsqlDbType.Text);
                batch.BatchCommands.Add(delete);
            }
        }

        private static void AddAudit(NpgsqlBatch batch, IReadOnlyList<JournalWrite> writes)
        {
            var rows = writes.SelectMany(w => w.AuditEntries).ToList();
            if (rows.Count == 0)
            {
                return;
            }

            var command = new NpgsqlBatchCommand(InsertAudit);
            AddArray(command.Parameters, NpgsqlDbType.TimestampTz, rows, r => JournalTime.ToUtc(r.At));
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.UserId);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Role);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Action);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.FamilyId);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.ChildId);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Purpose);
            AddArray(command.Parameters, NpgsqlDbType.Boolean, rows, r => r.BreakGlass);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Reason);
            AddArray(command.Parameters, NpgsqlDbType.Text, rows, r => r.Detail);
            batch.BatchCommands.Add(command);
        }

        private static void AddEventArrays(NpgsqlParameterCollection parameters, List<JournalEvent> rows)
        {
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.EventId);
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.Type);
            AddArray(parameters, NpgsqlDbType.TimestampTz, rows, r => JournalTime.ToUtc(r.OccurredAt));
            AddArray(parameters, NpgsqlDbType.TimestampTz, rows, r => JournalTime.ToUtc(r.ReceivedAt));
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.RecordedBy);
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.FamilyId);
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.ChildId);
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.ChampionId);
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.WardCode);
            AddArray(parameters, NpgsqlDbType.Bigint, rows, r => r.EntityVersion);
            AddArray(parameters, NpgsqlDbType.Text, rows, r => r.Payload.Bytes);
        }

        private static void AddArray<TRow, TValue>(
            NpgsqlParameterCollection parameters, NpgsqlDbType type, IReadOnlyList<TRow> rows, Func<TRow, TValue> pick)
        {
            var values = new TValue[rows.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = pick(rows[i]);
            }

            // Callers add the columns in the order of the statement's unnest.
            AddByPosition(parameters, values, NpgsqlDbType.Array | type);
        }
    }
}
