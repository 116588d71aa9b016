using System.Data;
using Microsoft.Data.Sqlite;

namespace QpActors.Persistence;

/// <summary>
/// The journal on SQLite: SQLite allows one writer at a time, so there is exactly one
/// flusher with one connection and reused prepared statements. Reads open their own
/// (pooled) connections; in WAL mode they never wait for the writer.
/// </summary>
internal sealed class SqliteEventJournal : BatchingEventJournal
{
    private const string EventColumns =
        "seq, event_id, type, occurred_at, received_at, recorded_by, family_id, child_id, champion_id, ward_code, entity_version, payload";

    private readonly string connectionString;

    public SqliteEventJournal(string connectionString, JournalOptions options)
        : base(options, "sqlite", new SqliteConnectionStringBuilder(connectionString).DataSource)
    {
        this.connectionString = connectionString;
        StartFlushers(1, () => new Writer(connectionString, options.TimeProvider));
    }

    protected override async Task<IReadOnlyList<JournalEvent>> ReadEventsCoreAsync(EventQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (column, value) = query.Selector();
        return await ReadAsync(
            $"SELECT {EventColumns} FROM qp_events WHERE {column} = @value AND seq > @after ORDER BY seq LIMIT @limit",
            p =>
            {
                p.AddWithValue("@value", value);
                p.AddWithValue("@after", query.AfterSeq);
                p.AddWithValue("@limit", query.Limit);
            },
            ReadEvent,
            ct);
    }

    protected override async Task<JournalEvent?> FindEventCoreAsync(string eventId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var rows = await ReadAsync(
            $"SELECT {EventColumns} FROM qp_events WHERE event_id = @id",
            p => p.AddWithValue("@id", eventId),
            ReadEvent,
            ct);
        return rows.Count == 0 ? null : rows[0];
    }

    protected override Task<IReadOnlyList<WardEntry>> ReadWardEntriesCoreAsync(string wardCode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(wardCode);
        return ReadAsync(
            $"SELECT {WardEntryColumns} FROM qp_ward_entries WHERE ward_code = @ward ORDER BY entry_key",
            p => p.AddWithValue("@ward", wardCode),
            WardEntryFrom,
            ct);
    }

    protected override async Task<WardEntry?> ReadWardEntryCoreAsync(string entryKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entryKey);
        var entries = await ReadAsync(
            $"SELECT {WardEntryColumns} FROM qp_ward_entries WHERE entry_key = @key",
            p => p.AddWithValue("@key", entryKey),
            WardEntryFrom,
            ct);
        return entries.Count == 0 ? null : entries[0];
    }

    protected override Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesCoreAsync(string wardCode, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(wardCode);
        return ReadAsync(
            "SELECT ward_code, entry_key, version FROM qp_ward_departures WHERE ward_code = @ward",
            p => p.AddWithValue("@ward", wardCode),
            r => new WardDeparture(r.GetString(0), r.GetString(1), r.GetInt64(2)),
            ct);
    }

    protected override async Task<int> PruneWardDeparturesCoreAsync(DateTimeOffset leftBefore, CancellationToken ct)
    {
        ThrowIfDisposed();
        var before = JournalTime.ToText(leftBefore);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);

        // A read in WAL mode takes no lock; only a sweep that finds something old takes the write lock from the journal's
        // writer (waiting on the busy timeout), so the sweep every minute costs the writer nothing.
        await using var due = connection.CreateCommand();
        due.CommandText = "SELECT EXISTS (SELECT 1 FROM qp_ward_departures WHERE left_at < @before)";
        due.Parameters.AddWithValue("@before", before);
        if ((long)(await due.ExecuteScalarAsync(ct))! == 0)
        {
            return 0;
        }

        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM qp_ward_departures WHERE left_at < @before";
        delete.Parameters.AddWithValue("@before", before);
        return await delete.ExecuteNonQueryAsync(ct);
    }

    protected override async Task<bool> DeleteWardEntryCoreAsync(string wardCode, string entryKey, long version, CancellationToken ct)
    {
        ThrowIfDisposed();

        // Its own connection, as the departures' prune: it takes the write lock from the journal's writer (waiting on the
        // busy timeout) once, and the version guard leaves an entry the entity wrote meanwhile.
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM qp_ward_entries WHERE entry_key = @key AND ward_code = @ward AND version = @version";
        delete.Parameters.AddWithValue("@key", entryKey);
        delete.Parameters.AddWithValue("@ward", wardCode);
        delete.Parameters.AddWithValue("@version", version);
        return await delete.ExecuteNonQueryAsync(ct) > 0;
    }

    protected override Task<IReadOnlyList<Deadline>> ReadDueCoreAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return ReadAsync(
            "SELECT entity_key, due_at FROM qp_deadlines WHERE due_at <= @now ORDER BY due_at, entity_key LIMIT @max",
            p =>
            {
                p.AddWithValue("@now", JournalTime.ToText(now));
                p.AddWithValue("@max", max);
            },
            r => new Deadline(r.GetString(0), JournalTime.FromText(r.GetString(1))),
            ct);
    }

    protected override Task<IReadOnlyList<AuditEntry>> ReadAuditCoreAsync(AuditQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var where = new List<string>();
        if (query.UserId is not null) where.Add("user_id = @user");
        if (query.FamilyId is not null) where.Add("family_id = @family");
        if (query.From is not null) where.Add("at >= @from");
        if (query.To is not null) where.Add("at < @to");
        var sql =
            $"SELECT {AuditColumns} FROM qp_audit" +
            (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
            " ORDER BY at DESC, seq DESC LIMIT @limit OFFSET @offset";
        return ReadAsync(
            sql,
            p =>
            {
                if (query.UserId is not null) p.AddWithValue("@user", query.UserId);
                if (query.FamilyId is not null) p.AddWithValue("@family", query.FamilyId);
                if (query.From is { } from) p.AddWithValue("@from", JournalTime.ToText(from));
                if (query.To is { } to) p.AddWithValue("@to", JournalTime.ToText(to));
                p.AddWithValue("@limit", query.Limit);
                p.AddWithValue("@offset", query.Offset);
            },
            ReadAuditRow,
            ct);
    }

    protected override Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsCoreAsync(string familyId, DateTimeOffset after, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(familyId);

        return ReadAsync(
            BreakGlassOpenings,
            p =>
            {
                p.AddWithValue("@family", familyId);
                p.AddWithValue("@after", JournalTime.ToText(after));
            },
            ReadAuditRow,
            ct);
    }

    private const string AuditColumns = "at, user_id, role, action, family_id, child_id, purpose, break_glass, reason, detail";

    // The predicate as the partial index qp_audit_break_glass_openings (schema 0006) states it, constant included, so the
    // planner can use that index.
    internal const string BreakGlassOpenings =
        $"SELECT {AuditColumns} FROM qp_audit WHERE family_id = @family AND at > @after AND break_glass AND detail = '{AuditEntry.BreakGlassOpened}' ORDER BY at, seq";

    private static AuditEntry ReadAuditRow(SqliteDataReader r) => new(
        JournalTime.FromText(r.GetString(0)),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        NullableString(r, 4),
        NullableString(r, 5),
        NullableString(r, 6),
        r.GetInt64(7) != 0,
        NullableString(r, 8),
        NullableString(r, 9));

    protected override async Task<long> CountEventsCoreAsync(CancellationToken ct)
    {
        var rows = await ReadAsync("SELECT count(*) FROM qp_events", _ => { }, r => r.GetInt64(0), ct);
        return rows[0];
    }

    protected override ValueTask DisposeResourcesAsync() => ValueTask.CompletedTask;

    private async Task<IReadOnlyList<T>> ReadAsync<T>(
        string sql, Action<SqliteParameterCollection> bind, Func<SqliteDataReader, T> map, CancellationToken ct)
    {
        ThrowIfDisposed();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static JournalEvent ReadEvent(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        JournalTime.FromText(r.GetString(3)),
        JournalTime.FromText(r.GetString(4)),
        r.GetString(5),
        NullableString(r, 6),
        NullableString(r, 7),
        NullableString(r, 8),
        NullableString(r, 9),
        r.GetInt64(10),
        r.GetFieldValue<byte[]>(11));

    private static string? NullableString(IDataRecord record, int ordinal) =>
        record.IsDBNull(ordinal) ? null : record.GetString(ordinal);

    /// <summary>
    /// The single writer. Statements are built once and reused, so SQLite keeps them
    /// compiled; each batch is one BEGIN IMMEDIATE ... COMMIT.
    /// </summary>
    private sealed class Writer(string connectionString, TimeProvider clock) : JournalBatchWriter
    {
        private SqliteConnection? connection;
        private Statements? statements;

        public override async Task<AppendResult[]> WriteAsync(IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units)
        {
            var s = await EnsureOpenAsync().ConfigureAwait(false);
            var results = new AppendResult[writes.Count];
            var updatedAt = JournalTime.ToText(clock.GetUtcNow());

            // Microsoft.Data.Sqlite's async calls complete synchronously; the sync API says so.
            using var transaction = connection!.BeginTransaction(deferred: false);
            s.Enlist(transaction);
            var nextUnit = 0;
            for (var i = 0; i < writes.Count;)
            {
                if (nextUnit < units.Count && units[nextUnit].Start == i)
                {
                    var unit = units[nextUnit++];
                    WriteUnit(s, writes, unit, results, updatedAt);
                    i = unit.End;
                    continue;
                }

                var write = writes[i];
                var accepted = true;
                if (write.Event is { } e)
                {
                    results[i] = InsertEvent(s, e);
                    accepted = results[i].Inserted;
                }
                else
                {
                    results[i] = new AppendResult(false, 0);
                }

                WriteDerived(s, write, accepted, updatedAt);
                i++;
            }

            transaction.Commit();
            return results;
        }

        /// <summary>
        /// A unit of several writes: its events go in first, and only if every one of them is new do its ward entries,
        /// departures and deadlines follow; else the rows it inserted go again, in this transaction, so nothing of it is
        /// stored (<see cref="IEventJournal.AppendAllAsync"/>). A unit with no stored id costs no statement more than its
        /// writes one by one.
        /// </summary>
        private static void WriteUnit(Statements s, IReadOnlyList<JournalWrite> writes, JournalUnit unit, AppendResult[] results, string updatedAt)
        {
            var whole = true;
            for (var k = unit.Start; k < unit.End; k++)
            {
                if (writes[k].Event is { } e)
                {
                    results[k] = InsertEvent(s, e);
                    whole &= results[k].Inserted;
                }
                else
                {
                    results[k] = new AppendResult(false, 0);
                }
            }

            if (!whole)
            {
                Withhold(s, writes, unit, results);
            }

            for (var k = unit.Start; k < unit.End; k++)
            {
                WriteDerived(s, writes[k], whole, updatedAt);
            }
        }

        private static void Withhold(Statements s, IReadOnlyList<JournalWrite> writes, JournalUnit unit, AppendResult[] results)
        {
            HashSet<long>? removed = null;
            for (var k = unit.Start; k < unit.End; k++)
            {
                if (results[k].Inserted)
                {
                    Run(s.DeleteEvent, writes[k].Event!.EventId);
                    (removed ??= []).Add(results[k].Seq);
                    results[k] = AppendResult.Withheld;
                }
            }

            // An id the unit repeats was found in the unit's own row, which is gone: it is not taken either.
            for (var k = unit.Start; k < unit.End; k++)
            {
                if (removed is not null && removed.Contains(results[k].Seq))
                {
                    results[k] = AppendResult.Withheld;
                }
            }
        }

        /// <summary>What a write stores beside its event: its ward entries, departures and deadlines if it is accepted; its audit entries always.</summary>
        private static void WriteDerived(Statements s, JournalWrite write, bool accepted, string updatedAt)
        {
            if (accepted)
            {
                foreach (var entry in write.WardEntries)
                {
                    Run(s.UpsertWard, entry.EntryKey, entry.WardCode, entry.Kind, entry.Version, entry.Payload.Bytes, updatedAt);
                }

                if (write.Departures is { } departures)
                {
                    foreach (var departure in departures)
                    {
                        Run(s.UpsertDeparture, departure.WardCode, departure.EntryKey, departure.Version, updatedAt);
                        Run(s.DeleteEntryLeft, departure.WardCode, departure.EntryKey, departure.Version);
                        Run(s.DeleteSupersededDeparture, departure.EntryKey);
                    }
                }

                foreach (var deadline in write.Deadlines)
                {
                    if (deadline.DueAt is { } due)
                    {
                        Run(s.UpsertDeadline, deadline.EntityKey, JournalTime.ToText(due));
                    }
                    else
                    {
                        Run(s.DeleteDeadline, deadline.EntityKey);
                    }
                }
            }

            foreach (var a in write.AuditEntries)
            {
                Run(s.InsertAudit, JournalTime.ToText(a.At), a.UserId, a.Role, a.Action, a.FamilyId, a.ChildId,
                    a.Purpose, a.BreakGlass ? 1L : 0L, a.Reason, a.Detail);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            statements?.Dispose();
            statements = null;
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                connection = null;
            }
        }

        private static AppendResult InsertEvent(Statements s, JournalEvent e)
        {
            // ON CONFLICT (event_id) rather than INSERT OR IGNORE: OR IGNORE would also
            // swallow NOT NULL failures (such as an event with no recorder). Payloads are not
            // checked by the store (schema 0003): only our own serializers write them.
            var seq = Scalar(s.InsertEvent, e.EventId, e.Type, JournalTime.ToText(e.OccurredAt), JournalTime.ToText(e.ReceivedAt),
                e.RecordedBy, e.FamilyId, e.ChildId, e.ChampionId, e.WardCode, e.EntityVersion, e.Payload.Bytes);
            if (seq is long inserted)
            {
                return new AppendResult(true, inserted);
            }

            // Already stored, possibly earlier in this same batch: first wins.
            return Scalar(s.FindSeq, e.EventId) is long existing
                ? new AppendResult(false, existing)
                : throw new InvalidOperationException($"Event {e.EventId} was neither inserted nor found.");
        }

        private async Task<Statements> EnsureOpenAsync()
        {
            if (connection is { State: ConnectionState.Open } && statements is not null)
            {
                return statements;
            }

            await DisposeAsync().ConfigureAwait(false);
            connection = await SqliteConnections.OpenAsync(connectionString, CancellationToken.None).ConfigureAwait(false);
            statements = new Statements(connection);
            return statements;
        }

        private static void Run(SqliteCommand command, params object?[] values)
        {
            Bind(command, values);
            command.ExecuteNonQuery();
        }

        private static object? Scalar(SqliteCommand command, params object?[] values)
        {
            Bind(command, values);
            return command.ExecuteScalar();
        }

        private static void Bind(SqliteCommand command, object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
        }
    }

    /// <remarks>
    /// Payloads are bound as the UTF-8 bytes the grains made and stored with <c>CAST(... AS TEXT)</c>, which reads
    /// the bytes as text in the database's encoding (UTF-8) without converting them: SQLite keeps the type a value
    /// was bound with, and the columns hold JSON text, not blobs.
    /// </remarks>
    private sealed class Statements : IDisposable
    {
        public Statements(SqliteConnection connection)
        {
            InsertEvent = Create(connection, """
                INSERT INTO qp_events (event_id, type, occurred_at, received_at, recorded_by, family_id, child_id,
                                       champion_id, ward_code, entity_version, payload)
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, CAST(@p10 AS TEXT))
                ON CONFLICT (event_id) DO NOTHING
                RETURNING seq
                """, 11);
            FindSeq = Create(connection, "SELECT seq FROM qp_events WHERE event_id = @p0", 1);

            // Only in a unit that met a stored id, for a row the unit inserted in the same transaction (see WriteUnit).
            DeleteEvent = Create(connection, "DELETE FROM qp_events WHERE event_id = @p0", 1);
            UpsertWard = Create(connection, """
                INSERT INTO qp_ward_entries (entry_key, ward_code, kind, version, payload, updated_at)
                VALUES (@p0, @p1, @p2, @p3, CAST(@p4 AS TEXT), @p5)
                ON CONFLICT (entry_key) DO UPDATE
                   SET ward_code = excluded.ward_code, kind = excluded.kind, version = excluded.version,
                       payload = excluded.payload, updated_at = excluded.updated_at
                 WHERE excluded.version > qp_ward_entries.version
                    OR (excluded.version = qp_ward_entries.version AND excluded.payload <> qp_ward_entries.payload)
                """, 6);
            UpsertDeparture = Create(connection, """
                INSERT INTO qp_ward_departures (ward_code, entry_key, version, left_at)
                VALUES (@p0, @p1, @p2, @p3)
                ON CONFLICT (ward_code, entry_key) DO UPDATE
                   SET version = excluded.version, left_at = excluded.left_at
                 WHERE excluded.version > qp_ward_departures.version
                """, 4);

            // Only in a write that moves an entity or takes it out of every ward, after its entry: the entity's entry in the
            // ward it left goes if it is at or below the departure's version, which refuses it anyway. A move has just
            // rewritten its entry to name the new ward, so this finds nothing; a mark that took back the record that put the
            // entity in the ward leaves its old entry there, which a ward reloading would count again. In the departure's
            // own transaction, so the two never disagree.
            DeleteEntryLeft = Create(connection, """
                DELETE FROM qp_ward_entries WHERE entry_key = @p1 AND ward_code = @p0 AND version <= @p2
                """, 3);

            // Only in a moving write, after its entry: an entity back in a ward it had left holds an entry there newer
            // than its departure, which refuses every report the departure refused, so the row goes. Decided by the
            // stored entry, not by what the write says.
            DeleteSupersededDeparture = Create(connection, """
                DELETE FROM qp_ward_departures
                 WHERE entry_key = @p0
                   AND ward_code = (SELECT ward_code FROM qp_ward_entries WHERE entry_key = @p0)
                   AND version < (SELECT version FROM qp_ward_entries WHERE entry_key = @p0)
                """, 1);
            UpsertDeadline = Create(connection, """
                INSERT INTO qp_deadlines (entity_key, due_at) VALUES (@p0, @p1)
                ON CONFLICT (entity_key) DO UPDATE SET due_at = excluded.due_at
                """, 2);
            DeleteDeadline = Create(connection, "DELETE FROM qp_deadlines WHERE entity_key = @p0", 1);
            InsertAudit = Create(connection, """
                INSERT INTO qp_audit (at, user_id, role, action, family_id, child_id, purpose, break_glass, reason, detail)
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9)
                """, 10);
        }

        public SqliteCommand InsertEvent { get; }
        public SqliteCommand FindSeq { get; }
        public SqliteCommand DeleteEvent { get; }
        public SqliteCommand UpsertWard { get; }
        public SqliteCommand UpsertDeparture { get; }
        public SqliteCommand DeleteSupersededDeparture { get; }
        public SqliteCommand DeleteEntryLeft { get; }
        public SqliteCommand UpsertDeadline { get; }
        public SqliteCommand DeleteDeadline { get; }
        public SqliteCommand InsertAudit { get; }

        private IEnumerable<SqliteCommand> All => [InsertEvent, FindSeq, DeleteEvent, UpsertWard, UpsertDeparture, DeleteEntryLeft, DeleteSupersededDeparture, UpsertDeadline, DeleteDeadline, InsertAudit];

        public void Enlist(SqliteTransaction transaction)
        {
            foreach (var command in All)
            {
                command.Transaction = transaction;
            }
        }

        public void Dispose()
        {
            foreach (var command in All)
            {
                command.Dispose();
            }
        }

        private static SqliteCommand Create(SqliteConnection connection, string sql, int parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < parameters; i++)
            {
                command.Parameters.Add(new SqliteParameter($"@p{i}", null));
            }

            return command;
        }
    }
}
