using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace QpActors.Persistence;

/// <summary>One versioned schema script.</summary>
public sealed record SchemaMigration(int Version, string Name);

/// <summary>
/// Applies the embedded schema scripts (Schema/postgres or Schema/sqlite) in version order,
/// each once, recording them in qp_schema_migrations.
/// </summary>
public static class SchemaMigrator
{
    // Any fixed number works; it only has to be the same in every process.
    private const long PostgresLockKey = 0x5150_4163_746F_7273; // "QPActors"

    /// <summary>The scripts this build carries for a store, in version order.</summary>
    public static IReadOnlyList<SchemaMigration> Known(StorageKind kind) =>
        LoadScripts(kind).Select(s => s.Migration).ToList();

    /// <summary>
    /// Brings the store up to date and returns the scripts applied by this call (empty when
    /// it was already current). Several processes may call this at once: PostgreSQL
    /// serialises them with an advisory lock held by the migration transaction, SQLite with
    /// BEGIN IMMEDIATE and the busy timeout; the loser then finds nothing left to do.
    /// </summary>
    public static Task<IReadOnlyList<SchemaMigration>> ApplyAsync(StorageSettings settings, CancellationToken ct = default) =>
        ApplyThroughAsync(settings, int.MaxValue, ct);

    /// <summary>
    /// As <see cref="ApplyAsync"/>, but only the scripts up to and including <paramref name="version"/>: the store as an
    /// older build left it, so tests can migrate it from there.
    /// </summary>
    internal static Task<IReadOnlyList<SchemaMigration>> ApplyThroughAsync(StorageSettings settings, int version, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Kind switch
        {
            StorageKind.Postgres => ApplyPostgresAsync(settings.ConnectionString, version, ct),
            StorageKind.Sqlite => ApplySqliteAsync(settings.ConnectionString, version, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown storage kind."),
        };
    }

    /// <summary>The versions recorded as applied, in order.</summary>
    public static async Task<IReadOnlyList<SchemaMigration>> ReadAppliedAsync(StorageSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        const string sql = "SELECT version, name FROM qp_schema_migrations ORDER BY version";
        var applied = new List<SchemaMigration>();
        if (settings.Kind == StorageKind.Postgres)
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                applied.Add(new SchemaMigration(reader.GetInt32(0), reader.GetString(1)));
            }
        }
        else
        {
            await using var connection = new SqliteConnection(settings.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                applied.Add(new SchemaMigration(reader.GetInt32(0), reader.GetString(1)));
            }
        }

        return applied;
    }

    private static async Task<IReadOnlyList<SchemaMigration>> ApplyPostgresAsync(string connectionString, int throughVersion, CancellationToken ct)
    {
        var scripts = LoadScripts(StorageKind.Postgres).Where(s => s.Migration.Version <= throughVersion);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        // Taken before anything else, so even the bootstrap CREATE TABLE IF NOT EXISTS is
        // serialised (two concurrent ones can collide in the catalogue). Released at commit.
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresLockKey})", ct);
        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS qp_schema_migrations (version integer NOT NULL PRIMARY KEY, " +
            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", ct);

        var done = new HashSet<int>();
        await using (var read = new NpgsqlCommand("SELECT version FROM qp_schema_migrations", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                done.Add(reader.GetInt32(0));
            }
        }

        var applied = new List<SchemaMigration>();
        foreach (var script in scripts.Where(s => !done.Contains(s.Migration.Version)))
        {
            await ExecuteAsync(connection, transaction, script.Text, ct);
            await using var record = new NpgsqlCommand(
                "INSERT INTO qp_schema_migrations (version, name) VALUES (@version, @name)", connection, transaction);
            record.Parameters.AddWithValue("version", script.Migration.Version);
            record.Parameters.AddWithValue("name", script.Migration.Name);
            await record.ExecuteNonQueryAsync(ct);
            applied.Add(script.Migration);
        }

        await transaction.CommitAsync(ct);
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyList<SchemaMigration>> ApplySqliteAsync(string connectionString, int throughVersion, CancellationToken ct)
    {
        var scripts = LoadScripts(StorageKind.Sqlite).Where(s => s.Migration.Version <= throughVersion);

        // Opening applies journal_mode=WAL, which must happen outside a transaction.
        await using var connection = await SqliteConnections.OpenAsync(connectionString, ct);

        // BEGIN IMMEDIATE takes the write lock up front, so a second process waits (busy
        // timeout) instead of both reading "nothing applied" and racing.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var bootstrap = connection.CreateCommand())
        {
            bootstrap.Transaction = transaction;
            bootstrap.CommandText =
                "CREATE TABLE IF NOT EXISTS qp_schema_migrations (version INTEGER NOT NULL PRIMARY KEY, " +
                "name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";
            await bootstrap.ExecuteNonQueryAsync(ct);
        }

        var done = new HashSet<int>();
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT version FROM qp_schema_migrations";
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                done.Add(reader.GetInt32(0));
            }
        }

        var applied = new List<SchemaMigration>();
        foreach (var script in scripts.Where(s => !done.Contains(s.Migration.Version)))
        {
            await using (var run = connection.CreateCommand())
            {
                run.Transaction = transaction;
                run.CommandText = script.Text;
                await run.ExecuteNonQueryAsync(ct);
            }

            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO qp_schema_migrations (version, name) VALUES (@version, @name)";
            record.Parameters.AddWithValue("@version", script.Migration.Version);
            record.Parameters.AddWithValue("@name", script.Migration.Name);
            await record.ExecuteNonQueryAsync(ct);
            applied.Add(script.Migration);
        }

        await transaction.CommitAsync(ct);
        return applied;
    }

    private sealed record Script(SchemaMigration Migration, string Text);

    private static List<Script> LoadScripts(StorageKind kind)
    {
        var folder = kind switch
        {
            StorageKind.Postgres => "Schema/postgres/",
            StorageKind.Sqlite => "Schema/sqlite/",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown storage kind."),
        };
        var assembly = typeof(SchemaMigrator).Assembly;
        var scripts = new List<Script>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(folder, StringComparison.Ordinal)))
        {
            // File names are NNNN_name.sql: the number is the version.
            var file = Path.GetFileNameWithoutExtension(resource[folder.Length..]);
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Schema script '{resource}' is not named NNNN_name.sql.");
            }

            scripts.Add(new Script(new SchemaMigration(version, file[(underscore + 1)..]), ReadResource(assembly, resource)));
        }

        if (scripts.Count == 0)
        {
            throw new InvalidOperationException($"No schema scripts are embedded under {folder}.");
        }

        return scripts.OrderBy(s => s.Migration.Version).ToList();
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
