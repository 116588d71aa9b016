using Microsoft.Data.Sqlite;

namespace QpActors.Persistence;

/// <summary>Opens SQLite connections with the settings every writer here relies on.</summary>
internal static class SqliteConnections
{
    /// <summary>
    /// Opens a connection with WAL, synchronous=FULL (in WAL mode NORMAL does not fsync at
    /// commit, so an acknowledged write could be lost on power failure) and a busy timeout: the connection string's
    /// <c>Default Timeout</c> (<see cref="StorageSettings.SqliteBusyTimeoutSeconds"/> in the embedded default's), the one
    /// Orleans' providers wait for on the same file, so the journal and the reminder table give up on a held lock alike.
    /// </summary>
    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText =
                $"PRAGMA busy_timeout = {connection.DefaultTimeout * 1000};" +
                "PRAGMA journal_mode = WAL;" +
                "PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
