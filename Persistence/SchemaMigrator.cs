using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace QpActors.Persistence;

/// <summary>One versioned schema script.</summary>
public sealed record SchemaMigration(int Version, string Name);

/// <summary>What a store holds against what this build knows (<see cref="SchemaMigrator.CheckAsync"/>).</summary>
/// <param name="Missing">Scripts this build carries that the store has not applied, in version order.</param>
/// <param name="Unknown">Versions the store has applied that this build does not carry (a newer build migrated it).</param>
public sealed record SchemaStatus(IReadOnlyList<SchemaMigration> Missing, IReadOnlyList<SchemaMigration> Unknown)
{
    public bool IsCurrent => Missing.Count == 0;
}

/// <summary>
/// Applies the embedded schema scripts (Schema/postgres or Schema/sqlite) in version order,
/// each once, recording them in qp_schema_migrations.
/// </summary>
public static partial class SchemaMigrator
{
    /// <summary>
    /// A PostgreSQL script whose first line is this comment runs outside a transaction, one statement at a time: for
    /// <c>CREATE INDEX CONCURRENTLY</c>, which PostgreSQL refuses inside a transaction block. Any other script runs inside
    /// one. SQLite has no such build and runs every script in its one transaction; a SQLite script with the marker is
    /// refused (<see cref="Validate"/>).
    /// </summary>
    public const string OutsideTransactionMarker = "-- qp:outside-transaction";

    // Any fixed number works; it only has to be the same in every process.
    private const long PostgresLockKey = 0x5150_4163_746F_7273; // "QPActors"

    /// <summary>The scripts this build carries for a store, in version order.</summary>
    public static IReadOnlyList<SchemaMigration> Known(StorageKind kind) =>
        LoadScripts(kind).Select(s => s.Migration).ToList();

    /// <summary>
    /// Brings the store up to date and returns the scripts applied by this call (empty when
    /// it was already current). Several processes may call this at once: PostgreSQL
    /// serialises them with a session-level advisory lock held for the whole run, SQLite with
    /// BEGIN IMMEDIATE and the busy timeout; the loser then finds nothing left to do.
    /// </summary>
    public static Task<IReadOnlyList<SchemaMigration>> ApplyAsync(StorageSettings settings, CancellationToken ct = default) =>
        ApplyThroughAsync(settings, int.MaxValue, ct);

    /// <summary>
    /// Compares the store with the scripts this build carries, changing nothing: a store never migrated lacks them all.
    /// Versions the store holds beyond this build's are reported, not refused: scripts only add (a column, a table, an
    /// index, a query), so a silo of an older build keeps working on a store a newer one migrated.
    /// </summary>
    public static async Task<SchemaStatus> CheckAsync(StorageSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var known = Known(settings.Kind);
        var applied = await HasMigrationTableAsync(settings, ct) ? await ReadAppliedAsync(settings, ct) : [];
        var appliedVersions = applied.Select(m => m.Version).ToHashSet();
        var knownVersions = known.Select(m => m.Version).ToHashSet();
        return new SchemaStatus(
            known.Where(m => !appliedVersions.Contains(m.Version)).ToList(),
            applied.Where(m => !knownVersions.Contains(m.Version)).ToList());
    }

    private static async Task<bool> HasMigrationTableAsync(StorageSettings settings, CancellationToken ct)
    {
        if (settings.Kind == StorageKind.Postgres)
        {
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT to_regclass('qp_schema_migrations') IS NOT NULL", connection);
            return (bool)(await command.ExecuteScalarAsync(ct))!;
        }

        // Opening would create a missing file: a check changes nothing.
        if (!File.Exists(new SqliteConnectionStringBuilder(settings.ConnectionString).DataSource))
        {
            return false;
        }

        await using var sqlite = new SqliteConnection(settings.ConnectionString);
        await sqlite.OpenAsync(ct);
        await using var query = sqlite.CreateCommand();
        query.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'qp_schema_migrations'";
        return (long)(await query.ExecuteScalarAsync(ct))! > 0;
    }

    /// <summary>
    /// As <see cref="ApplyAsync"/>, but only the scripts up to and including <paramref name="version"/>: the store as an
    /// older build left it, so tests can migrate it from there.
    /// </summary>
    internal static Task<IReadOnlyList<SchemaMigration>> ApplyThroughAsync(StorageSettings settings, int version, CancellationToken ct = default) =>
        ApplyThroughAsync(settings, version, null, ct);

    /// <summary>
    /// As <see cref="ApplyThroughAsync(StorageSettings, int, CancellationToken)"/>, telling <paramref name="observer"/> what
    /// the server reports on the migration's session (its notices and log lines) and when the run waits for another
    /// process's, so tests can act at the moment a migration waits.
    /// </summary>
    internal static Task<IReadOnlyList<SchemaMigration>> ApplyThroughAsync(
        StorageSettings settings, int version, Action<string>? observer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Kind switch
        {
            StorageKind.Postgres => ApplyPostgresAsync(settings.ConnectionString, version, observer, ct),
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

    private static async Task<IReadOnlyList<SchemaMigration>> ApplyPostgresAsync(
        string connectionString, int throughVersion, Action<string>? observer, CancellationToken ct)
    {
        var scripts = LoadScripts(StorageKind.Postgres).Where(s => s.Migration.Version <= throughVersion).ToList();

        // Not pooled: the advisory lock below belongs to the session, and a pooled connection would keep its session
        // (and the lock, until its lazy reset) after Close. Closing this one ends the session, so even a run that dies
        // half way cannot leave the lock held.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        await using var connection = new NpgsqlConnection(unpooled);
        if (observer is not null)
        {
            connection.Notice += (_, e) => observer($"{e.Notice.Severity}: {e.Notice.MessageText}");
        }

        await connection.OpenAsync(ct);
        await LockPostgresAsync(connection, observer, ct);
        try
        {
            // Serialised by the lock like everything else (two concurrent CREATE TABLE IF NOT EXISTS can collide in the
            // catalogue).
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS qp_schema_migrations (version integer NOT NULL PRIMARY KEY, " +
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", ct);
            var done = await ReadVersionsAsync(connection, ct);
            var pending = scripts.Where(s => !done.Contains(s.Migration.Version)).ToList();
            var applied = new List<SchemaMigration>();
            var next = 0;
            while (next < pending.Count)
            {
                if (pending[next].OutsideTransaction)
                {
                    await ApplyOutsideTransactionAsync(connection, pending[next], ct);
                    applied.Add(pending[next].Migration);
                    next++;
                    continue;
                }

                // Consecutive ordinary scripts share one transaction, as every script did before some could run
                // outside one: DDL is transactional, so a failure among them leaves none of them behind.
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var group = new List<SchemaMigration>();
                for (; next < pending.Count && !pending[next].OutsideTransaction; next++)
                {
                    await ExecuteAsync(connection, transaction, pending[next].Text, ct);
                    await RecordAsync(connection, transaction, pending[next].Migration, ct);
                    group.Add(pending[next].Migration);
                }

                await transaction.CommitAsync(ct);
                applied.AddRange(group);
            }

            return applied;
        }
        finally
        {
            // Closing the unpooled session releases the lock as well; this only makes it prompt.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresLockKey})", CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Takes the migration lock for this session, waiting while another process holds it. The wait is a retry of
    /// <c>pg_try_advisory_lock</c>, never a blocking <c>pg_advisory_lock</c>: a statement blocked on the lock holds a
    /// snapshot, and <c>CREATE INDEX CONCURRENTLY</c> in the holder's session waits for every older snapshot to end, so the
    /// two would deadlock and PostgreSQL would cancel the index build (seen: "deadlock detected", an INVALID index left).
    /// </summary>
    private static async Task LockPostgresAsync(NpgsqlConnection connection, Action<string>? observer, CancellationToken ct)
    {
        var told = false;
        while (true)
        {
            await using (var attempt = new NpgsqlCommand($"SELECT pg_try_advisory_lock({PostgresLockKey})", connection))
            {
                if ((bool)(await attempt.ExecuteScalarAsync(ct))!)
                {
                    return;
                }
            }

            if (!told)
            {
                observer?.Invoke(WaitingForAnotherMigration);
                told = true;
            }

            await Task.Delay(LockRetryInterval, ct);
        }
    }

    /// <summary>What <see cref="LockPostgresAsync"/> tells its observer when another process is migrating.</summary>
    internal const string WaitingForAnotherMigration = "waiting for another process's migration to finish";

    // A migration is rare and can take minutes (an index build); a quarter of a second between tries costs nothing.
    private static readonly TimeSpan LockRetryInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs a script marked <see cref="OutsideTransactionMarker"/>: statement by statement, each committing on its own,
    /// as <c>CREATE INDEX CONCURRENTLY</c> requires (it refuses a transaction block, and a batch of statements is one).
    /// Such a build that failed half way (cancelled, a deadlock, the server restarted) leaves its index behind marked
    /// INVALID: never used by a query, yet still maintained by every write, and <c>IF NOT EXISTS</c> would keep it. Each
    /// index the script builds concurrently that exists but is invalid is therefore dropped (concurrently too) first.
    /// The version is recorded only once every statement has run, so a failure means the whole script runs again.
    /// </summary>
    private static async Task ApplyOutsideTransactionAsync(NpgsqlConnection connection, Script script, CancellationToken ct)
    {
        foreach (var index in ConcurrentIndexNames(script.Text))
        {
            await using var invalid = new NpgsqlCommand(
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid " +
                "WHERE c.relname = @name AND NOT i.indisvalid AND pg_table_is_visible(c.oid)", connection);
            invalid.Parameters.AddWithValue("name", index);
            if ((long)(await invalid.ExecuteScalarAsync(ct))! > 0)
            {
                await ExecuteAsync(connection, null, $"DROP INDEX CONCURRENTLY IF EXISTS \"{index}\"", ct);
            }
        }

        foreach (var statement in Statements(script.Text))
        {
            await ExecuteAsync(connection, null, statement, ct);
        }

        await RecordAsync(connection, null, script.Migration, ct);
    }

    /// <summary>
    /// The names of the indexes a script builds with <c>CREATE [UNIQUE] INDEX CONCURRENTLY</c>: only statements that
    /// begin so, never such words in a comment or a string.
    /// </summary>
    internal static IEnumerable<string> ConcurrentIndexNames(string sql) =>
        Statements(sql).Select(s => ConcurrentIndex().Match(s)).Where(m => m.Success).Select(m => m.Groups["name"].Value);

    /// <summary>A script's statements, without its comments, cut where PostgreSQL would end them (<see cref="SqlStatements"/>).</summary>
    internal static IReadOnlyList<string> Statements(string sql) => SqlStatements.Split(sql);

    [GeneratedRegex(@"\ACREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?""?(?<name>\w+)""?", RegexOptions.IgnoreCase)]
    private static partial Regex ConcurrentIndex();

    private static async Task<HashSet<int>> ReadVersionsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var done = new HashSet<int>();
        await using var read = new NpgsqlCommand("SELECT version FROM qp_schema_migrations", connection);
        await using var reader = await read.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            done.Add(reader.GetInt32(0));
        }

        return done;
    }

    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaMigration migration, CancellationToken ct)
    {
        await using var record = new NpgsqlCommand(
            "INSERT INTO qp_schema_migrations (version, name) VALUES (@version, @name)", connection, transaction);
        record.Parameters.AddWithValue("version", migration.Version);
        record.Parameters.AddWithValue("name", migration.Name);
        await record.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        // No command timeout: the connection string's (Npgsql's default is 30 s) would cancel an index build or a table
        // rewrite on a production table half way, every time; the caller's token still cancels. Set on each command: with 0
        // set only in this connection's string, a build was still cancelled at the caller's 1 s (ConcurrentIndexMigrationTests).
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
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

    private sealed record Script(SchemaMigration Migration, string Text)
    {
        public bool OutsideTransaction { get; } = Text.StartsWith(OutsideTransactionMarker, StringComparison.Ordinal);
    }

    /// <summary>
    /// Refuses a script this store cannot run as written, before any script runs. A script marked
    /// <see cref="OutsideTransactionMarker"/> is refused on SQLite: the marker exists for PostgreSQL's concurrent index
    /// build, which SQLite lacks; SQLite has one writer and one process, so nothing is gained by leaving the transaction,
    /// and the transaction is both what makes a script all or nothing and what keeps a second migrator out (its
    /// <c>BEGIN IMMEDIATE</c>): run statement by statement, a script failing half way would be left half applied and
    /// unrecorded. On PostgreSQL a marked script must split into statements (<see cref="SqlStatements"/>). Every process
    /// loads the scripts at start, and the tests load each store's, so a wrong script fails the tests, not a deployment.
    /// </summary>
    internal static void Validate(StorageKind kind, string resource, string text)
    {
        var marked = text.StartsWith(OutsideTransactionMarker, StringComparison.Ordinal);
        if (marked && kind == StorageKind.Sqlite)
        {
            throw new InvalidOperationException(
                $"Schema script '{resource}' is marked '{OutsideTransactionMarker}', which SQLite does not honour: SQLite " +
                "runs every script inside the migration's one transaction (its guard against a second migrator and what " +
                "makes a script all or nothing). Remove the marker; SQLite has no concurrent index build to need it.");
        }

        if (marked)
        {
            try
            {
                _ = SqlStatements.Split(text);
            }
            catch (InvalidOperationException unsplittable)
            {
                throw new InvalidOperationException($"Schema script '{resource}' cannot be cut into statements: {unsplittable.Message}", unsplittable);
            }
        }
    }

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

            var text = ReadResource(assembly, resource);
            Validate(kind, resource, text);
            scripts.Add(new Script(new SchemaMigration(version, file[(underscore + 1)..]), text));
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
