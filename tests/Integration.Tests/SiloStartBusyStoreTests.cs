using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using QpActors.Persistence;
using QpActors.Silo;
using QpActors.Tests.Shared;

namespace QpActors.Integration.Tests;

/// <summary>
/// A silo starting while another process holds the whole SQLite file locked, after the schema step has passed: Orleans'
/// own providers read the store as the silo starts (the reminder table's queries), and a file still locked once the busy
/// timeout has been waited out refuses the start in one line naming the store and the setting, as an unreachable store
/// at the schema step does, rather than with the driver's exception and its stack. Let go, the same store starts.
/// </summary>
public sealed class SiloStartBusyStoreTests : IDisposable
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "qp-busy-start", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_silo_whose_sqlite_file_stays_locked_past_the_busy_timeout_as_orleans_starts_refuses_in_one_line_and_starts_once_let_go()
    {
        Directory.CreateDirectory(data);
        var refused = await BuildAsync();

        // The whole file, readers included, from a connection of its own: another process writing, a backup, a shell.
        SqliteConnection.ClearAllPools();
        var holder = new SqliteConnection(new SqliteConnectionStringBuilder(StorageSettings.Embedded(data).ConnectionString) { Pooling = false }.ToString());
        await holder.OpenAsync();
        await using (var command = holder.CreateCommand())
        {
            command.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;";
            await command.ExecuteNonQueryAsync();
        }

        StoreUnreachableAtStartException refusal;
        try
        {
            refusal = await Assert.ThrowsAsync<StoreUnreachableAtStartException>(() => refused.StartQpSiloAsync());
        }
        finally
        {
            await holder.DisposeAsync();
            refused.Dispose();
        }

        Assert.Contains($"SQLite file {Path.Combine(data, StorageSettings.EmbeddedFileName)},", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("named by Storage:DataDirectory, could not be read at start", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("database is locked", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("no other process holds the file locked", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refusal.Message);
        Assert.IsType<SqliteException>(refusal.InnerException);

        // The lock let go, the same store starts a silo.
        SqliteConnection.ClearAllPools();
        using var started = await BuildAsync();
        await started.StartQpSiloAsync();
        await started.StopAsync();
    }

    private async Task<IHost> BuildAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args =
            [
                $"--Storage:DataDirectory={data}",
                $"--Cluster:SiloPort={LoopbackPorts.Free()}",
                $"--Cluster:GatewayPort={LoopbackPorts.Free()}",
                "--Silo:Dashboard=false",
                "--Logging:LogLevel:Default=None",
            ],
            ContentRootPath = data,
        });
        await builder.AddQpSiloAsync();
        return builder.Build();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
