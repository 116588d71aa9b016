using QpActors.Persistence;

namespace QpActors.Bench;

/// <summary>A fresh, throwaway store for one run: a temporary SQLite folder or a new PostgreSQL database.</summary>
public sealed class BenchStore : IAsyncDisposable
{
    private readonly PostgresServer? _server;

    private BenchStore(StoreTarget target, PostgresServer? server)
    {
        Target = target;
        _server = server;
    }

    public StoreTarget Target { get; }

    /// <summary>The folder for SQLite and the development signing key (a temporary one for PostgreSQL too).</summary>
    public string DataDirectory => Target.DataDirectory!;

    public static async Task<BenchStore> CreateAsync(StorageKind kind, string? postgresConnection, CancellationToken cancellationToken = default)
    {
        var data = Directory.CreateTempSubdirectory("qp-bench-").FullName;
        if (kind == StorageKind.Sqlite)
        {
            return new BenchStore(new StoreTarget(kind, data, null), null);
        }

        var server = new PostgresServer(postgresConnection ?? throw new BenchUsageException("PostgreSQL needs a connection string"));
        var database = await server.CreateDatabaseAsync("qp_bench", cancellationToken);
        return new BenchStore(new StoreTarget(kind, data, database), server);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DropDatabaseAsync(Target.ConnectionString!);
        }

        try
        {
            Directory.Delete(Target.DataDirectory!, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a process that is stopping; the folder is in the temp area anyway.
        }
    }
}
