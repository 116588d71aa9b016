using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Silo;
using QpActors.Tests.Shared;

namespace QpActors.Integration.Tests;

/// <summary>
/// One in-process silo per test collection, on a fresh embedded SQLite store, with a fake clock for the
/// domain's time so tests move through review windows without sleeping, and <see cref="Faults"/> a test can
/// arm to make one entity's journal or storage operations fail. Its one-way messages are counted, so a test
/// that reads what a notice changes waits for the notice (<see cref="OneWayHandledAsync"/>).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "qp-tests-" + Guid.NewGuid().ToString("N"));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public StorageSettings Storage { get; private set; } = null!;

    public Faults Faults { get; } = new();

    private OneWayMessages Messages { get; } = new();

    /// <summary>
    /// Returns once every one-way message sent so far (a child's notice to its family, a notice to a champion) has been
    /// handled. Calling the receiving grain once more is no such signal: Orleans does not order another caller's call
    /// after a grain's one-way message.
    /// </summary>
    public Task OneWayHandledAsync() => Messages.AllHandledAsync().WaitAsync(Delivery.Deadline);

    public async Task InitializeAsync()
    {
        Storage = StorageSettings.Embedded(DataDirectory);
        await SchemaMigrator.ApplyAsync(Storage, CancellationToken.None);
        Cluster = await StartClusterAsync(Storage, Clock, Faults, Messages);
    }

    public static async Task<InProcessTestCluster> StartClusterAsync(StorageSettings storage, TimeProvider clock, Faults faults, OneWayMessages? messages = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddQpGrainServices(storage, clock);
            faults.Wrap(silo.Services, storage);
            if (messages is not null)
            {
                silo.Services.AddOneWayMessages(messages);
            }
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddQpSerialization()));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open only leaves a temporary folder behind.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A cluster of its own for the tests that arm faults or move the clock by months.</summary>
[CollectionDefinition(Name)]
public sealed class FaultsCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "faults";
}
