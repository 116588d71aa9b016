using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Silo;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// An in-process silo on an embedded SQLite store (or a PostgreSQL database of its own) with a fake domain clock;
/// restartable on the same store. Its one-way
/// messages are counted and every ward batch can be watched, so tests wait for the wards to be fed
/// (<see cref="DrainAsync"/>) rather than reading until the figures look right.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly string _serviceId;
    private readonly Func<Task>? _dropStore;
    private readonly Action<IServiceCollection>? _configureSilo;

    private Cluster(string directory, StorageSettings storage, FakeTimeProvider clock, string serviceId, Func<Task>? dropStore = null, Action<IServiceCollection>? configureSilo = null)
    {
        _serviceId = serviceId;
        _dropStore = dropStore;
        _configureSilo = configureSilo;
        DataDirectory = directory;
        Storage = storage;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    public string DataDirectory { get; }

    public StorageSettings Storage { get; }

    public InProcessTestCluster Silo { get; private set; } = null!;

    public IClusterClient Client => Silo.Client;

    /// <summary>The batches wards take from the feed, for a test that follows them one by one.</summary>
    public WardBatches Batches { get; } = new();

    /// <summary>
    /// The one-way messages in flight, for the cluster's whole life: a message that died with a stopped silo is dropped
    /// from the count when that silo stops (<see cref="OneWayMessages"/>), so a restart needs no counter of its own.
    /// </summary>
    public OneWayMessages Messages { get; } = new();

    /// <summary>
    /// Returns once everything the calls made so far set in motion has reached the wards (see <see cref="Delivery.DrainAsync"/>).
    /// </summary>
    public Task DrainAsync() =>
        Delivery.DrainAsync(Messages, Silo.Silos.Select(s => s.ServiceProvider.GetRequiredService<WardFeed>()));

    /// <param name="configureSilo">Services of each silo, registered before the test filters (a grain call filter added
    /// here runs before the one that counts one-way messages).</param>
    /// <param name="busyTimeoutSeconds">When given, how long the silo's SQLite connections wait for a lock another
    /// connection holds (the embedded default's 30 s otherwise), so a test holding one sees the store busy soon.</param>
    /// <param name="beforeStart">Run on the migrated store before the silo starts, with no connection of the migration
    /// left open (a test takes a lock there).</param>
    public static async Task<Cluster> StartAsync(
        Action<IServiceCollection>? configureSilo = null, int? busyTimeoutSeconds = null, Func<StorageSettings, Task>? beforeStart = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "qp-aggregates-" + Guid.NewGuid().ToString("N"));
        var storage = StorageSettings.Embedded(directory);
        await SchemaMigrator.ApplyAsync(storage, CancellationToken.None);
        if (busyTimeoutSeconds is { } seconds)
        {
            storage = storage with
            {
                ConnectionString = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(storage.ConnectionString) { DefaultTimeout = seconds }.ToString(),
            };
        }

        if (beforeStart is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await beforeStart(storage);
        }

        var clock = new FakeTimeProvider(Start);
        var serviceId = "qp-" + Guid.NewGuid().ToString("N");
        var cluster = new Cluster(directory, storage, clock, serviceId, configureSilo: configureSilo);
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The same on a fresh database of the PostgreSQL server named by QP_TEST_POSTGRES, dropped on disposal.</summary>
    /// <param name="configureSilo">As for <see cref="StartAsync"/>.</param>
    /// <param name="lockTimeoutMilliseconds">When given, the silo's sessions wait at most this long for a lock, so a test
    /// holding a table lock sees the store unable to answer for the moment.</param>
    /// <param name="beforeStart">Run on the migrated database before the silo starts (a test takes a lock there).</param>
    public static async Task<Cluster> StartOnPostgresAsync(
        Action<IServiceCollection>? configureSilo = null, int? lockTimeoutMilliseconds = null, Func<StorageSettings, Task>? beforeStart = null)
    {
        var server = PostgresFactAttribute.ServerConnectionString;
        var name = "qp_agg_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        var database = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name };
        await SchemaMigrator.ApplyAsync(StorageSettings.Postgres(database.ToString()), CancellationToken.None);
        if (beforeStart is not null)
        {
            await beforeStart(StorageSettings.Postgres(database.ToString()));
        }

        if (lockTimeoutMilliseconds is { } timeout)
        {
            database.Options = $"-c lock_timeout={timeout}";
        }

        var storage = StorageSettings.Postgres(database.ToString());
        var clock = new FakeTimeProvider(Start);
        var serviceId = "qp-" + Guid.NewGuid().ToString("N");
        var directory = Path.Combine(Path.GetTempPath(), "qp-aggregates-" + Guid.NewGuid().ToString("N"));
        async Task DropAsync()
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }

        var cluster = new Cluster(directory, storage, clock, serviceId, DropAsync, configureSilo);
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            // A silo that failed to start leaves no cluster for the test to dispose; its database goes all the same.
            await DropAsync();
            throw;
        }

        return cluster;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the silo and starts a new one on the same database files: nothing survives but what is durable.</summary>
    public async Task RestartAsync()
    {
        await Silo.StopAllSilosAsync();
        await Silo.DisposeAsync();
        await DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.StopAllSilosAsync();
        await Silo.DisposeAsync();
        if (_dropStore is not null)
        {
            await _dropStore();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still held open only leaves a temporary folder behind.
        }
    }

    private async Task DeployAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);

        // Grain state is keyed by service id; the test host picks a new one per cluster unless told, and a restart
        // that changes it would look like lost state.
        builder.Options.ServiceId = _serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddQpGrainServices(Storage, Clock);
            _configureSilo?.Invoke(silo.Services);
            silo.Services.AddOneWayMessages(Messages);
            silo.Services.AddSingleton<IIncomingGrainCallFilter>(Batches);
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddQpSerialization()));
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            // The silos that did start would otherwise keep running, holding the store's connections.
            await cluster.DisposeAsync();
            throw;
        }

        Silo = cluster;
    }
}

/// <summary>One cluster shared by the tests that do not restart it or move its clock.</summary>
public sealed class SharedCluster : IAsyncLifetime
{
    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "shared cluster";
}
