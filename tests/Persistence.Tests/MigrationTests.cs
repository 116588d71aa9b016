using Npgsql;

namespace QpActors.Persistence.Tests;

/// <summary>Migration behaviour, run against each store by the classes below.</summary>
public static class MigrationScenarios
{
    private static readonly string[] Tables =
    [
        "OrleansQuery", "orleans_grain_state", "orleans_reminders",
        "qp_events", "qp_ward_entries", "qp_deadlines", "qp_audit", "qp_schema_migrations",
    ];

    /// <summary>
    /// The scripts each store carries: the third tunes ingest cost on both; PostgreSQL's fourth stores ward entries as
    /// text, its fifth puts their version and time before the payload, its sixth moves the membership version only on a
    /// change; SQLite's fourth makes a racing first grain-state write a version conflict. The last on each indexes the audit
    /// entries that opened a break-glass window.
    /// </summary>
    public static (int[] Versions, string[] Names) Expected(StorageKind kind) => kind == StorageKind.Postgres
        ? ([1, 2, 3, 4, 5, 6, 7, 8], ["orleans", "qpactors", "ingest_cost", "ward_entry_text", "ward_entry_layout", "membership_version_follows_change", "ward_departures", "break_glass_openings"])
        : ([1, 2, 3, 4, 5, 6], ["orleans", "qpactors", "ingest_cost", "grain_state_first_write", "ward_departures", "break_glass_openings"]);

    public static async Task AppliesOnceThenNothing(StorageKind kind)
    {
        await using var store = await TestStore.CreateAsync(kind);

        var first = await SchemaMigrator.ApplyAsync(store.Settings);
        var second = await SchemaMigrator.ApplyAsync(store.Settings);

        Assert.Equal(Expected(kind).Versions, first.Select(m => m.Version));
        Assert.Equal(Expected(kind).Names, first.Select(m => m.Name));
        Assert.Empty(second);
        Assert.Equal(SchemaMigrator.Known(kind), await SchemaMigrator.ReadAppliedAsync(store.Settings));
        foreach (var table in Tables)
        {
            Assert.Equal(0, await store.ScalarAsync($"SELECT count(*) FROM {table} WHERE 1 = 0"));
        }
    }

    public static async Task ConcurrentCallersApplyEachScriptOnce(StorageKind kind)
    {
        await using var store = await TestStore.CreateAsync(kind);

        var runs = await Task.WhenAll(
            Task.Run(() => SchemaMigrator.ApplyAsync(store.Settings)),
            Task.Run(() => SchemaMigrator.ApplyAsync(store.Settings)),
            Task.Run(() => SchemaMigrator.ApplyAsync(store.Settings)));

        // Exactly one caller did the work; the others found it done.
        Assert.Equal(Expected(kind).Versions, runs.SelectMany(r => r).Select(m => m.Version).Order());
        Assert.Equal(Expected(kind).Versions.Length, await store.ScalarAsync("SELECT count(*) FROM qp_schema_migrations"));
    }

    public static async Task StoresEveryQueryKeyTheProvidersAskFor(StorageKind kind, string[] keys)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        var inList = string.Join(", ", keys.Select(k => $"'{k}'"));

        Assert.Equal(keys.Length, await store.ScalarAsync($"SELECT count(*) FROM OrleansQuery WHERE QueryKey IN ({inList})"));
    }

    public static readonly string[] PersistenceKeys =
        ["WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey"];

    public static readonly string[] ReminderKeys =
    [
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    public static readonly string[] ClusteringKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
    ];
}

public sealed class SqliteMigrationTests
{
    [Fact]
    public Task Applies_once_then_nothing() => MigrationScenarios.AppliesOnceThenNothing(StorageKind.Sqlite);

    [Fact]
    public Task Concurrent_callers_apply_each_script_once() =>
        MigrationScenarios.ConcurrentCallersApplyEachScriptOnce(StorageKind.Sqlite);

    [Fact]
    public async Task Stores_grain_state_and_reminder_queries()
    {
        await MigrationScenarios.StoresEveryQueryKeyTheProvidersAskFor(
            StorageKind.Sqlite, [.. MigrationScenarios.PersistenceKeys, .. MigrationScenarios.ReminderKeys]);
    }

    [Fact]
    public async Task File_is_in_wal_mode_and_default_connections_sync_fully()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Sqlite);

        // WAL is a property of the file, so Orleans' own connections get it too.
        Assert.Equal("wal", await store.TextAsync("PRAGMA journal_mode"));

        // Orleans opens plain connections and sets no pragmas; they must still fsync at
        // commit (2 = FULL) for grain state to be durable.
        Assert.Equal(2, await store.ScalarAsync("PRAGMA synchronous"));
    }
}

public sealed class PostgresMigrationTests
{
    [PostgresFact]
    public Task Applies_once_then_nothing() => MigrationScenarios.AppliesOnceThenNothing(StorageKind.Postgres);

    [PostgresFact]
    public Task Concurrent_callers_apply_each_script_once() =>
        MigrationScenarios.ConcurrentCallersApplyEachScriptOnce(StorageKind.Postgres);

    [PostgresFact]
    public async Task Stores_grain_state_clustering_and_reminder_queries()
    {
        await MigrationScenarios.StoresEveryQueryKeyTheProvidersAskFor(
            StorageKind.Postgres,
            [.. MigrationScenarios.PersistenceKeys, .. MigrationScenarios.ReminderKeys, .. MigrationScenarios.ClusteringKeys]);
    }

    [PostgresFact]
    public async Task Membership_tables_exist()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);

        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM orleans_membership"));
        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM orleans_membership_version"));
    }

    [PostgresFact]
    public async Task Ingest_tuning_keeps_the_reads_indexed()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);

        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM pg_indexes WHERE indexname = 'qp_events_by_ward'"));
        Assert.Equal("{fillfactor=70}", await store.TextAsync("SELECT reloptions::text FROM pg_class WHERE relname = 'qp_ward_entries'"));
        Assert.Equal(0, await store.ScalarAsync(
            "SELECT count(*) FROM information_schema.columns WHERE table_name IN ('qp_events', 'qp_ward_entries', 'qp_deadlines') " +
            "AND column_name IN ('event_id', 'recorded_by', 'family_id', 'child_id', 'champion_id', 'ward_code', 'entry_key', 'entity_key') " +
            "AND collation_name IS DISTINCT FROM 'C'"));

        // The reads bind the id as a parameter, so the partial indexes must serve a generic plan,
        // where the planner knows only that "column = $1" implies the column is not null.
        await using var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        await using (var setup = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off", connection))
        {
            await setup.ExecuteNonQueryAsync();
        }

        foreach (var (column, index) in new[]
        {
            ("child_id", "qp_events_by_child"), ("family_id", "qp_events_by_family"),
            ("champion_id", "qp_events_by_champion"), ("recorded_by", "qp_events_by_recorder"),
        })
        {
            await using var prepare = new NpgsqlCommand(
                $"PREPARE by_{column}(text, bigint) AS SELECT seq FROM qp_events WHERE {column} = $1 AND seq > $2 ORDER BY seq LIMIT 10", connection);
            await prepare.ExecuteNonQueryAsync();
            await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE by_{column}('x', 0)", connection);
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(0));
                }
            }

            Assert.Contains(plan, line => line.Contains(index, StringComparison.Ordinal));
        }
    }

    [PostgresFact]
    public async Task Ward_entry_payload_is_text_and_event_payload_stays_json()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);

        Assert.Equal("text", await store.TextAsync(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'qp_ward_entries' AND column_name = 'payload'"));
        Assert.Equal("json", await store.TextAsync(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'qp_events' AND column_name = 'payload'"));

        // The rewrite keeps the room left for HOT updates.
        Assert.Equal("{fillfactor=70}", await store.TextAsync("SELECT reloptions::text FROM pg_class WHERE relname = 'qp_ward_entries'"));
    }

    [PostgresFact]
    public async Task A_store_at_0004_keeps_its_ward_entries_with_version_and_time_before_the_payload()
    {
        await using var store = await TestStore.PostgresAsync();
        await SchemaMigrator.ApplyThroughAsync(store.Settings, 4);
        await using (var connection = new NpgsqlConnection(store.Settings.ConnectionString))
        {
            await connection.OpenAsync();
            string[] statements =
            [
                """INSERT INTO qp_ward_entries VALUES ('child:c-1', 'queens-park', 'child', 3, '{"score":1}', '2026-11-20T10:16:00Z')""",
                """INSERT INTO qp_ward_entries VALUES ('family:f-1', 'queens-park', 'family', 2, '{"score":2}', '2026-11-20T10:17:00Z')""",
                """INSERT INTO qp_ward_entries VALUES ('child:c-9', 'westbourne', 'child', 7, '{"score":3}', '2026-11-20T10:18:00Z')""",
            ];
            foreach (var sql in statements)
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        const string Rows = "SELECT string_agg(concat_ws('|', entry_key, ward_code, kind, version, updated_at, payload), ';' ORDER BY entry_key) FROM qp_ward_entries";
        var before = await store.TextAsync(Rows);

        var applied = await SchemaMigrator.ApplyThroughAsync(store.Settings, 5);

        Assert.Equal([new SchemaMigration(5, "ward_entry_layout")], applied);
        Assert.Equal(before, await store.TextAsync(Rows));
        Assert.Equal("entry_key,ward_code,kind,version,updated_at,payload", await store.TextAsync(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'qp_ward_entries'"));
        Assert.Equal("{fillfactor=70}", await store.TextAsync("SELECT reloptions::text FROM pg_class WHERE relname = 'qp_ward_entries'"));
        Assert.Equal(0, await store.ScalarAsync("SELECT count(*) FROM pg_class WHERE relname LIKE 'qp_ward_entries_0005%'"));
        Assert.Equal(1, await store.ScalarAsync("SELECT count(*) FROM pg_indexes WHERE indexname = 'qp_ward_entries_by_ward'"));

        // Replacing still goes by key and version, and the reads by ward still work.
        await using var journal = EventJournalFactory.Create(store.Settings);
        var stale = JournalScenarios.Ward("family:f-1", "queens-park", "family", 1, """{"score":9}""");
        var newer = JournalScenarios.Ward("child:c-1", "queens-park", "child", 4, """{"score":4}""");
        await journal.AppendAsync(new JournalWrite(JournalScenarios.Event("e-1"), [stale, newer], [], []));
        var ward = await journal.ReadWardEntriesAsync("queens-park");
        Assert.Equal(["child:c-1", "family:f-1"], ward.Select(e => e.EntryKey));
        Assert.Equal(
            [(4L, """{"score":4}"""), (2L, """{"score":2}""")],
            ward.Select(e => (e.Version, System.Text.Encoding.UTF8.GetString(e.Payload.Bytes))));
    }
}

public sealed class StorageSettingsTests
{
    [Theory]
    [InlineData(StorageKind.Sqlite, "System.Data.SQLite")]
    [InlineData(StorageKind.Postgres, "Npgsql")]
    public void Names_the_orleans_invariant(StorageKind kind, string invariant)
    {
        Assert.Equal(invariant, new StorageSettings(kind, "x").AdoInvariant);
    }

    [Fact]
    public void Embedded_creates_the_folder_and_points_at_qp_db()
    {
        var folder = Path.Combine(Path.GetTempPath(), "qp-persistence-tests", Guid.NewGuid().ToString("N"), "data");
        try
        {
            var settings = StorageSettings.Embedded(folder);

            Assert.True(Directory.Exists(folder));
            Assert.Equal(StorageKind.Sqlite, settings.Kind);
            var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(settings.ConnectionString);
            Assert.Equal(Path.Combine(folder, "qp.db"), builder.DataSource);
            Assert.True(builder.DefaultTimeout >= 5);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }
}
