using Microsoft.Data.Sqlite;
using Npgsql;

namespace QpActors.Persistence.Tests;

/// <summary>A fresh, empty store for one test; removed again afterwards.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly Func<ValueTask> cleanUp;

    private TestStore(StorageSettings settings, Func<ValueTask> cleanUp)
    {
        Settings = settings;
        this.cleanUp = cleanUp;
    }

    public StorageSettings Settings { get; }

    /// <summary>An embedded store in its own temporary folder.</summary>
    public static TestStore Sqlite()
    {
        var folder = Path.Combine(Path.GetTempPath(), "qp-persistence-tests", Guid.NewGuid().ToString("N"));
        return new TestStore(StorageSettings.Embedded(folder), () =>
        {
            // Pooled connections hold the file open.
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            return ValueTask.CompletedTask;
        });
    }

    /// <summary>A database of its own (qp_t_&lt;guid&gt;) on the server named by QP_TEST_POSTGRES.</summary>
    public static async Task<TestStore> PostgresAsync()
    {
        var server = PostgresFactAttribute.ServerConnectionString;
        var name = "qp_t_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestStore(StorageSettings.Postgres(builder.ToString()), async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        });
    }

    public static Task<TestStore> CreateAsync(StorageKind kind) =>
        kind == StorageKind.Sqlite ? Task.FromResult(Sqlite()) : PostgresAsync();

    /// <summary>A store with the schema applied.</summary>
    public static async Task<TestStore> MigratedAsync(StorageKind kind)
    {
        var store = await CreateAsync(kind);
        await SchemaMigrator.ApplyAsync(store.Settings);
        return store;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        if (Settings.Kind == StorageKind.Postgres)
        {
            await using var connection = new NpgsqlConnection(Settings.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var sqlite = new SqliteConnection(Settings.ConnectionString);
        await sqlite.OpenAsync();
        await using var query = sqlite.CreateCommand();
        query.CommandText = sql;
        return Convert.ToInt64(await query.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string?> TextAsync(string sql)
    {
        if (Settings.Kind == StorageKind.Postgres)
        {
            await using var connection = new NpgsqlConnection(Settings.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return (await command.ExecuteScalarAsync())?.ToString();
        }

        await using var sqlite = new SqliteConnection(Settings.ConnectionString);
        await sqlite.OpenAsync();
        await using var query = sqlite.CreateCommand();
        query.CommandText = sql;
        return (await query.ExecuteScalarAsync())?.ToString();
    }

    public ValueTask DisposeAsync() => cleanUp();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
