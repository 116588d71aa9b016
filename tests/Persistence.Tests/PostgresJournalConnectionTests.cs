using Npgsql;

namespace QpActors.Persistence.Tests;

/// <summary>How the PostgreSQL journal sets up its connections, which decides what the server spends per event.</summary>
public sealed class PostgresJournalConnectionTests
{
    [PostgresFact]
    public async Task Deadline_delete_plan_on_a_writer_connection_uses_the_key_even_when_the_table_looks_tiny()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await using var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();

        // A new database: a handful of deadlines and fresh statistics, the state in which a writer
        // first prepares its statements. A scan of one page looks cheapest then, and the prepared
        // plan is kept while the table grows.
        await ExecuteAsync(connection,
            "INSERT INTO qp_deadlines (entity_key, due_at) SELECT 'child:' || g, now() FROM generate_series(1, 100) g; ANALYZE qp_deadlines");
        await ExecuteAsync(connection, PostgresEventJournal.WriterSession);
        await ExecuteAsync(connection, "SET plan_cache_mode = force_generic_plan");
        await ExecuteAsync(connection, "PREPARE clear_deadlines(text[]) AS DELETE FROM qp_deadlines WHERE entity_key = ANY($1)");

        var plan = await LinesAsync(connection, "EXPLAIN EXECUTE clear_deadlines('{child:1}')");

        Assert.Contains("qp_deadlines_pkey", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Writer_connections_still_commit_synchronously()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await using var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "SET synchronous_commit TO off");

        await ExecuteAsync(connection, PostgresEventJournal.WriterSession);

        Assert.Equal("on", await LinesAsync(connection, "SHOW synchronous_commit"));
    }

    [PostgresFact]
    public async Task Reads_are_multiplexed_and_each_concurrent_read_gets_its_own_rows()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await using var journal = (PostgresEventJournal)EventJournalFactory.Create(store.Settings, new JournalOptions { PostgresFlushers = 1 });
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event($"m-{i}", childId: $"c-{i}", familyId: $"f-{i}")))));

        // Many grains activating at once: their reads share connections, pipelined, and none may get another's rows.
        var reads = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => journal.ReadEventsAsync(EventQuery.ForChild($"c-{i}"))));

        Assert.True(new NpgsqlConnectionStringBuilder(journal.ReadSource.ConnectionString).Multiplexing);
        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal($"m-{i}", Assert.Single(reads[i]).EventId));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> LinesAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
