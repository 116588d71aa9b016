using Microsoft.Data.Sqlite;

namespace QpActors.Persistence.Tests;

/// <summary>
/// SQLite schema 0003 rebuilds qp_events and qp_ward_entries (to drop their json_valid checks)
/// and replaces the event indexes: an existing journal must come through whole and stay readable.
/// </summary>
public sealed class SqliteIngestCostMigrationTests
{
    private const string EventInsert =
        "INSERT INTO qp_events (seq, event_id, type, occurred_at, received_at, recorded_by, family_id, child_id, champion_id, ward_code, entity_version, payload) " +
        "VALUES ({0}, '{1}', 'birth-notified', '2026-11-20T10:15:00.000000Z', '2026-11-20T10:16:00.000000Z', 'hv-1', {2}, {3}, {4}, 'queens-park', 1, '{{\"n\":{0}}}')";

    [Fact]
    public async Task A_journal_at_0002_keeps_its_rows_its_seq_counter_and_its_reads()
    {
        await using var store = TestStore.Sqlite();
        // The store as a build at schema 0002 left it.
        await SchemaMigrator.ApplyThroughAsync(store.Settings, 2);
        await ExecuteAsync(store.Settings.ConnectionString,
            string.Format(System.Globalization.CultureInfo.InvariantCulture, EventInsert, 1, "e-1", "'f-1'", "'c-1'", "NULL"),
            string.Format(System.Globalization.CultureInfo.InvariantCulture, EventInsert, 2, "e-2", "'f-1'", "NULL", "'ch-1'"),
            string.Format(System.Globalization.CultureInfo.InvariantCulture, EventInsert, 3, "e-3", "'f-2'", "'c-2'", "NULL"),
            string.Format(System.Globalization.CultureInfo.InvariantCulture, EventInsert, 4, "e-4", "'f-1'", "'c-1'", "NULL"),

            // The newest row gone: its seq was handed out and must never come back.
            "DELETE FROM qp_events WHERE seq = 4",
            "INSERT INTO qp_ward_entries VALUES ('child:c-1', 'queens-park', 'child', 3, '{\"v\":3}', '2026-11-20T10:16:00.000000Z')",
            "INSERT INTO qp_ward_entries VALUES ('family:f-1', 'queens-park', 'family', 2, '{\"v\":2}', '2026-11-20T10:16:00.000000Z')",
            "INSERT INTO qp_deadlines VALUES ('child:c-1', '2026-12-01T00:00:00.000000Z')");
        var eventsBefore = await RowsAsync(store.Settings.ConnectionString, "SELECT * FROM qp_events ORDER BY seq");
        var entriesBefore = await RowsAsync(store.Settings.ConnectionString, "SELECT * FROM qp_ward_entries ORDER BY entry_key");

        var applied = await SchemaMigrator.ApplyThroughAsync(store.Settings, 3);

        Assert.Equal([new SchemaMigration(3, "ingest_cost")], applied);
        Assert.Equal(3, eventsBefore.Count);
        Assert.Equal(eventsBefore, await RowsAsync(store.Settings.ConnectionString, "SELECT * FROM qp_events ORDER BY seq"));
        Assert.Equal(entriesBefore, await RowsAsync(store.Settings.ConnectionString, "SELECT * FROM qp_ward_entries ORDER BY entry_key"));
        Assert.Equal(1, await store.ScalarAsync("SELECT count(*) FROM sqlite_sequence WHERE name = 'qp_events'"));
        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM sqlite_sequence WHERE name LIKE '%0003'"));

        await using var journal = EventJournalFactory.Create(store.Settings);
        var next = await journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-5", childId: "c-1", familyId: "f-1") with { ChampionId = "ch-1" }));

        Assert.Equal(new AppendResult(true, 5), next);
        Assert.Equal(["e-1", "e-5"], (await journal.ReadEventsAsync(EventQuery.ForChild("c-1"))).Select(e => e.EventId));
        Assert.Equal(["e-1", "e-2", "e-5"], (await journal.ReadEventsAsync(EventQuery.ForFamily("f-1"))).Select(e => e.EventId));
        Assert.Equal(["e-2", "e-5"], (await journal.ReadEventsAsync(EventQuery.ForChampion("ch-1"))).Select(e => e.EventId));
        Assert.Equal(["e-3"], (await journal.ReadEventsAsync(EventQuery.ForChild("c-2"))).Select(e => e.EventId));
        Assert.Equal("""{"n":2}""", System.Text.Encoding.UTF8.GetString((await journal.FindEventAsync("e-2"))!.Payload.Bytes));
        Assert.Equal(["child:c-1", "family:f-1"], (await journal.ReadWardEntriesAsync("queens-park")).Select(e => e.EntryKey));
        Assert.Single(await journal.ReadDueAsync(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), 10));
    }

    [Fact]
    public async Task The_new_schema_checks_no_json_drops_the_ward_index_and_keeps_the_reads_indexed()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Sqlite);

        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%json_valid%'"));
        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM sqlite_master WHERE name = 'qp_events_by_ward'"));
        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM sqlite_master WHERE name LIKE '%0003'"));
        Assert.Equal(1, await store.ScalarAsync("SELECT count(*) FROM sqlite_master WHERE name = 'qp_ward_entries_by_ward'"));
        Assert.Contains("AUTOINCREMENT", await store.TextAsync("SELECT sql FROM sqlite_master WHERE name = 'qp_events'"), StringComparison.Ordinal);

        // The journal binds the id as a parameter; "column = @value" must still imply the partial
        // index's "column IS NOT NULL" for the planner, or every read would scan the table.
        foreach (var (column, index) in new[]
        {
            ("child_id", "qp_events_by_child"), ("family_id", "qp_events_by_family"),
            ("champion_id", "qp_events_by_champion"), ("recorded_by", "qp_events_by_recorder"),
        })
        {
            var plan = await RowsAsync(store.Settings.ConnectionString,
                $"EXPLAIN QUERY PLAN SELECT seq, payload FROM qp_events WHERE {column} = @value AND seq > @after ORDER BY seq LIMIT @limit",
                ("@value", "x"), ("@after", 0L), ("@limit", 10L));
            var detail = string.Join(" | ", plan.Select(row => row[^1]));

            Assert.Contains($"SEARCH qp_events USING INDEX {index} ({column}=? AND seq>?)", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("TEMP B-TREE", detail, StringComparison.Ordinal);
        }
    }

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static async Task<List<object?[]>> RowsAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
