using Npgsql;

namespace QpActors.Persistence.Tests;

/// <summary>
/// Scripts marked to run outside a transaction (0008's concurrent index build on <c>qp_audit</c>), against the real
/// server. Each test acts at the moment a migration waits, which the migration's own session reports: with
/// <c>log_lock_waits</c> and <c>client_min_messages = log</c> the server sends "still waiting for ..." to it once a lock
/// wait passes <c>deadlock_timeout</c>, and the migrator tells its observer when another process holds the migration.
/// </summary>
public sealed class ConcurrentIndexMigrationTests
{
    private const string Index = "qp_audit_break_glass_openings";

    [PostgresFact]
    public async Task Audit_writers_are_not_held_up_while_the_index_waits_to_be_built()
    {
        await using var store = await TestStore.PostgresAsync();
        await SchemaMigrator.ApplyThroughAsync(store.Settings, 7);

        // An audited read in flight: its transaction has written an audit row and not yet committed.
        await using var reader = await OpenAsync(store);
        await using var inFlight = await reader.BeginTransactionAsync();
        await InsertAuditAsync(reader, "f-1", breakGlass: false);

        var migrating = new Waits();
        var migration = SchemaMigrator.ApplyThroughAsync(Reporting(store.Settings), 8, migrating.Observe, CancellationToken.None);
        await migrating.LockWait.WaitAsync(TimeSpan.FromSeconds(60));

        // The build now waits for that transaction. Another audited read must still write its row: a plain CREATE INDEX
        // queues for a SHARE lock here, and every writer queues behind it until the lock timeout cancels the insert.
        await using (var nextReader = await OpenAsync(store))
        {
            await ExecuteAsync(nextReader, "SET lock_timeout = '5s'");
            await InsertAuditAsync(nextReader, "f-2", breakGlass: true);
        }

        Assert.False(migration.IsCompleted);
        await inFlight.CommitAsync();

        Assert.Equal([new SchemaMigration(8, "break_glass_openings")], await migration);
        Assert.Equal(1, await store.ScalarAsync($"SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '{Index}' AND i.indisvalid"));
        Assert.Equal(2, await store.ScalarAsync("SELECT count(*) FROM qp_audit"));
    }

    [PostgresFact]
    public async Task An_invalid_index_left_by_a_failed_build_is_rebuilt()
    {
        await using var store = await TestStore.PostgresAsync();
        await SchemaMigrator.ApplyThroughAsync(store.Settings, 7);
        await using (var connection = await OpenAsync(store))
        {
            // A concurrent build that fails half way (here on a uniqueness it cannot have) leaves its index INVALID.
            await InsertAuditAsync(connection, "f-1", breakGlass: true, at: "2026-11-29T02:00:00Z");
            await InsertAuditAsync(connection, "f-1", breakGlass: true, at: "2026-11-29T02:00:00Z");
            await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
                $"CREATE UNIQUE INDEX CONCURRENTLY {Index} ON qp_audit (family_id, at) WHERE break_glass AND detail = 'break-glass window opened'"));
        }

        Assert.Equal(0, await store.ScalarAsync(IsValid));

        Assert.Equal([new SchemaMigration(8, "break_glass_openings")], await SchemaMigrator.ApplyAsync(store.Settings));

        Assert.Equal(1, await store.ScalarAsync(IsValid));
        Assert.Equal(
            "CREATE INDEX qp_audit_break_glass_openings ON public.qp_audit USING btree (family_id, at) WHERE (break_glass AND (detail = 'break-glass window opened'::text))",
            await store.TextAsync($"SELECT pg_get_indexdef('{Index}'::regclass)"));
    }

    [PostgresFact]
    public async Task A_second_migrator_waits_for_a_concurrent_build_and_the_version_is_recorded_once()
    {
        await using var store = await TestStore.PostgresAsync();
        await SchemaMigrator.ApplyThroughAsync(store.Settings, 7);
        await using var reader = await OpenAsync(store);
        await using var inFlight = await reader.BeginTransactionAsync();
        await InsertAuditAsync(reader, "f-1", breakGlass: false);

        var first = new Waits();
        var firstRun = SchemaMigrator.ApplyThroughAsync(Reporting(store.Settings), 8, first.Observe, CancellationToken.None);
        await first.LockWait.WaitAsync(TimeSpan.FromSeconds(60));

        // The second process arrives while the first builds. Had it blocked on the migration lock inside a statement, the
        // build (which waits for every older snapshot to end) and it would wait for each other, and PostgreSQL would cancel
        // one of them as a deadlock.
        var second = new Waits();
        var secondRun = SchemaMigrator.ApplyThroughAsync(Reporting(store.Settings), 8, second.Observe, CancellationToken.None);
        await second.AnyWait.WaitAsync(TimeSpan.FromSeconds(60));
        await inFlight.CommitAsync();

        var runs = await Task.WhenAll(firstRun, secondRun);

        Assert.Equal([new SchemaMigration(8, "break_glass_openings")], runs[0]);
        Assert.Empty(runs[1]);
        Assert.Equal(1, await store.ScalarAsync("SELECT count(*) FROM qp_schema_migrations WHERE version = 8"));
        Assert.Equal(1, await store.ScalarAsync(IsValid));
    }

    [PostgresFact]
    public async Task An_index_build_outlasting_the_connection_strings_command_timeout_is_not_cut_short()
    {
        await using var store = await TestStore.PostgresAsync();
        await SchemaMigrator.ApplyThroughAsync(store.Settings, 7);
        await using var reader = await OpenAsync(store);
        await using var inFlight = await reader.BeginTransactionAsync();
        await InsertAuditAsync(reader, "f-1", breakGlass: false);

        // A deployment's connection string with a 1 s command timeout (Npgsql's default is 30 s; a production index
        // build takes longer). The server reports the build still waiting after 1.5 s: had the driver cancelled the
        // statement at 1 s, the migration would have failed first, leaving an INVALID index behind.
        var impatient = StorageSettings.Postgres(new NpgsqlConnectionStringBuilder(store.Settings.ConnectionString)
        {
            CommandTimeout = 1,
            Options = "-c log_lock_waits=on -c deadlock_timeout=1500ms -c client_min_messages=log",
        }.ToString());
        var waiting = new Waits();
        var migration = SchemaMigrator.ApplyThroughAsync(impatient, 8, waiting.Observe, CancellationToken.None);

        var first = await Task.WhenAny(waiting.LockWait, migration).WaitAsync(TimeSpan.FromSeconds(60));
        await first;
        Assert.Same(waiting.LockWait, first);
        await inFlight.CommitAsync();

        Assert.Equal([new SchemaMigration(8, "break_glass_openings")], await migration);
        Assert.Equal(1, await store.ScalarAsync(IsValid));
    }

    [Fact]
    public void A_marked_script_is_split_into_its_statements_and_names_its_concurrent_indexes()
    {
        const string Script = """
            -- qp:outside-transaction
            -- a comment; with a semicolon
            CREATE INDEX CONCURRENTLY IF NOT EXISTS a_1 ON t (x);
            CREATE UNIQUE INDEX CONCURRENTLY "b_2"
                ON t (y) WHERE y <> ';';
            DROP INDEX CONCURRENTLY IF EXISTS c_3;
            """;

        Assert.Equal(
            ["CREATE INDEX CONCURRENTLY IF NOT EXISTS a_1 ON t (x)", "CREATE UNIQUE INDEX CONCURRENTLY \"b_2\"\n    ON t (y) WHERE y <> ';'", "DROP INDEX CONCURRENTLY IF EXISTS c_3"],
            SchemaMigrator.Statements(Script).Select(s => s.ReplaceLineEndings("\n")));
        Assert.Equal(["a_1", "b_2"], SchemaMigrator.ConcurrentIndexNames(Script));
    }

    private const string IsValid =
        $"SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '{Index}' AND i.indisvalid";

    /// <summary>The store's settings with the migration's lock waits reported to its own session after 20 ms.</summary>
    private static StorageSettings Reporting(StorageSettings settings) =>
        StorageSettings.Postgres(new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Options = "-c log_lock_waits=on -c deadlock_timeout=20ms -c client_min_messages=log",
        }.ToString());

    private static async Task<NpgsqlConnection> OpenAsync(TestStore store)
    {
        var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertAuditAsync(NpgsqlConnection connection, string familyId, bool breakGlass, string at = "2026-11-29T02:40:00Z")
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO qp_audit (at, user_id, role, action, family_id, break_glass, reason, detail) " +
            "VALUES (@at::timestamptz, 'hv-1', 'early-intervention', 'read-risk', @family, @breakGlass, @reason, @detail)", connection);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("family", familyId);
        command.Parameters.AddWithValue("breakGlass", breakGlass);
        command.Parameters.AddWithValue("reason", breakGlass ? "safeguarding call" : DBNull.Value);
        command.Parameters.AddWithValue("detail", breakGlass ? "break-glass window opened" : DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>What one migration's observer heard: a lock wait its session reported, or waiting for another process.</summary>
    private sealed class Waits
    {
        private readonly TaskCompletionSource lockWait = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource anyWait = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task LockWait => lockWait.Task;

        public Task AnyWait => anyWait.Task;

        public void Observe(string message)
        {
            if (message.Contains("still waiting for", StringComparison.Ordinal))
            {
                lockWait.TrySetResult();
                anyWait.TrySetResult();
            }
            else if (message == SchemaMigrator.WaitingForAnotherMigration)
            {
                anyWait.TrySetResult();
            }
        }
    }
}
