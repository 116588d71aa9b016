using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace QpActors.Bench;

/// <summary>
/// The PostgreSQL server named by <c>--pg</c> or QP_TEST_POSTGRES (as scripts/postgres.sh exports it):
/// fresh databases for each run, and pgbench against the same server for its own commit rate.
/// </summary>
public sealed class PostgresServer(string connectionString)
{
    public const string Variable = "QP_TEST_POSTGRES";

    public string ConnectionString { get; } = connectionString;

    public static PostgresServer FromArgs(BenchArgs args)
    {
        var cs = args.OptionalText("pg") ?? Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrWhiteSpace(cs)
            ? throw new BenchUsageException($"PostgreSQL needs --pg CONNECTION or {Variable} (source scripts/postgres.sh; qp_pg_start 55460)")
            : new PostgresServer(cs);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}_{DateTime.UtcNow:MMddHHmmss}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 44)];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DropDatabaseAsync(string databaseConnectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(databaseConnectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// pgbench's built-in simple-update (one UPDATE, SELECT and INSERT per committed transaction) with
    /// <paramref name="clients"/> clients and two threads, in a database of its own: the rate at which
    /// this server commits small transactions, the physical limit of one commit per event.
    /// </summary>
    public async Task<PgBenchResult> RunPgBenchAsync(int clients, int seconds, CancellationToken cancellationToken = default)
    {
        var bin = FindBin() ?? throw new InvalidOperationException("pgbench not found: set QP_PG_BIN (scripts/postgres.sh exports it)");
        var database = await CreateDatabaseAsync("qp_pgbench", cancellationToken);
        try
        {
            var b = new NpgsqlConnectionStringBuilder(database);
            string[] common = ["-h", b.Host ?? "127.0.0.1", "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username ?? "postgres"];
            await RunAsync(Path.Combine(bin, "pgbench"), [.. common, "-i", "-q", "-s", "10", b.Database!], cancellationToken);
            var output = await RunAsync(Path.Combine(bin, "pgbench"),
                [.. common, "-b", "simple-update", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(2, clients).ToString(CultureInfo.InvariantCulture),
                 "-T", seconds.ToString(CultureInfo.InvariantCulture), "-n", b.Database!], cancellationToken);
            var tpsLine = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps =", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("pgbench printed no tps line:\n" + output);
            var tps = double.Parse(tpsLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
            var latencyLine = output.Split('\n').FirstOrDefault(l => l.StartsWith("latency average", StringComparison.Ordinal));
            var latency = latencyLine is null ? double.NaN : double.Parse(latencyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);
            return new PgBenchResult(tps, latency, clients, seconds);
        }
        finally
        {
            await DropDatabaseAsync(database);
        }
    }

    private static string? FindBin()
    {
        var bin = Environment.GetEnvironmentVariable("QP_PG_BIN");
        if (!string.IsNullOrEmpty(bin) && File.Exists(Path.Combine(bin, "pgbench")))
        {
            return bin;
        }

        // Debian keeps the server binaries off PATH, one folder per major version.
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).OrderDescending().FirstOrDefault(d => File.Exists(Path.Combine(d, "pgbench")))
            : null;
    }

    private static Task<string> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ExternalTool.RunAsync(file, arguments, cancellationToken, requireSuccess: true);
}

public sealed record PgBenchResult(double Tps, double LatencyAverageMs, int Clients, int Seconds);
