using Microsoft.Data.Sqlite;

namespace QpActors.Persistence.Tests;

/// <summary>
/// The embedded store's grain-state write, run from OrleansQuery with the parameters Orleans binds: whatever row comes
/// back is the new version, and no row is a version conflict, which Orleans raises as InconsistentStateException.
/// </summary>
public sealed class SqliteGrainStateQueryTests
{
    [Fact]
    public async Task A_racing_first_write_and_a_stale_write_come_back_as_conflicts_not_errors()
    {
        await using var store = TestStore.Sqlite();
        await SchemaMigrator.ApplyAsync(store.Settings);

        var first = await WriteAsync(store, version: null);
        var racing = await WriteAsync(store, version: null);
        var next = await WriteAsync(store, version: 1);
        var stale = await WriteAsync(store, version: 1);

        Assert.Equal([1L], first);
        Assert.Empty(racing);
        Assert.Equal([2L], next);
        Assert.Empty(stale);
    }

    /// <summary>The versions the write returns, over all of its statements' results.</summary>
    private static async Task<List<long>> WriteAsync(TestStore store, int? version)
    {
        await using var connection = new SqliteConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        string text;
        await using (var find = connection.CreateCommand())
        {
            find.CommandText = "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'";
            text = (string)(await find.ExecuteScalarAsync())!;
        }

        await using var write = connection.CreateCommand();
        write.CommandText = text;
        write.Parameters.AddWithValue("@ServiceId", "svc");
        write.Parameters.AddWithValue("@GrainTypeHash", 11);
        write.Parameters.AddWithValue("@GrainIdHash", 22);
        write.Parameters.AddWithValue("@GrainIdN0", 33L);
        write.Parameters.AddWithValue("@GrainIdN1", 44L);
        write.Parameters.AddWithValue("@GrainTypeString", "probe");
        write.Parameters.AddWithValue("@GrainIdExtensionString", DBNull.Value);
        write.Parameters.AddWithValue("@PayloadBinary", new byte[] { 1, 2, 3 });
        write.Parameters.AddWithValue("@GrainStateVersion", version is { } v ? v : DBNull.Value);
        var versions = new List<long>();
        await using var reader = await write.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                versions.Add(reader.GetInt64(0));
            }
        }
        while (await reader.NextResultAsync());

        return versions;
    }
}
