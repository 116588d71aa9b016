using Npgsql;
using QpActors.Gateway.Hosting;
using QpActors.Tests.Shared;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The real silo and gateway on a PostgreSQL database of their own (on the server QP_TEST_POSTGRES names), created for
/// the collection and dropped after it. Their sessions wait at most <see cref="LockTimeoutMilliseconds"/> for a lock, so
/// a test that holds a table lock sees the store unable to answer for the moment, as a busy or restarting server would
/// be. Without a server it starts nothing: its tests are <see cref="PostgresFactAttribute"/> facts, reported skipped.
/// </summary>
public class PostgresGatewayFixture : GatewayFixture
{
    public const int LockTimeoutMilliseconds = 300;

    private readonly string _database = "qp_gw_" + Guid.NewGuid().ToString("N");

    public PostgresGatewayFixture()
        : this(SiloHosting.External)
    {
    }

    protected PostgresGatewayFixture(SiloHosting hosting)
        : base(hosting)
    {
    }

    /// <summary>The database the hosts use, without their lock timeout: a test's own session holds locks on it.</summary>
    public string ConnectionString { get; private set; } = "";

    protected override IEnumerable<string> StoreSettings =>
    [
        "--Storage:Provider=postgres",
        "--Storage:ConnectionString=" + new NpgsqlConnectionStringBuilder(ConnectionString) { Options = $"-c lock_timeout={LockTimeoutMilliseconds}" },
        "--Cluster:AdvertisedAddress=127.0.0.1",
    ];

    public override async Task InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)))
        {
            return;
        }

        await ExecuteAsync(PostgresFactAttribute.ServerConnectionString, $"CREATE DATABASE {_database}");
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresFactAttribute.ServerConnectionString) { Database = _database }.ToString();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (ConnectionString.Length == 0)
        {
            return;
        }

        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(PostgresFactAttribute.ServerConnectionString, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    /// <summary>
    /// Holds <paramref name="table"/> in ACCESS EXCLUSIVE mode, as a migration or a VACUUM FULL would: every read and
    /// write of it waits, and the hosts' sessions give up after the lock timeout. Disposing releases the lock.
    /// </summary>
    public async Task<IAsyncDisposable> LockAsync(string table)
    {
        var holder = new NpgsqlConnection(ConnectionString);
        await holder.OpenAsync();
        var transaction = await holder.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new HeldLock(holder, transaction);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class HeldLock(NpgsqlConnection holder, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await holder.DisposeAsync();
        }
    }
}

/// <summary>The same, with the gateway process as the silo (<c>Gateway:Silo=in-process</c>): grain calls pass no serialiser.</summary>
public sealed class CoHostedPostgresGatewayFixture() : PostgresGatewayFixture(SiloHosting.InProcess);

[CollectionDefinition(Name)]
public sealed class CoHostedPostgresGatewayCollection : ICollectionFixture<CoHostedPostgresGatewayFixture>
{
    public const string Name = "gateway-postgres-co-hosted";
}

[CollectionDefinition(Name)]
public sealed class PostgresGatewayCollection : ICollectionFixture<PostgresGatewayFixture>
{
    public const string Name = "gateway-postgres";
}
