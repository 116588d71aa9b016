using Npgsql;

namespace QpActors.Persistence.Tests;

/// <summary>
/// The membership queries Orleans runs rarely (clean-up of dead silos, dropping a deployment),
/// executed from OrleansQuery with the parameters Orleans binds, so they are checked without
/// waiting hours for a silo to call them.
/// </summary>
public sealed class MembershipQueryTests
{
    private static readonly DateTime Now = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

    [PostgresFact]
    public async Task Cleanup_removes_only_stale_silos_that_are_not_active()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await SeedAsync(store);

        await RunStoredAsync(store, "CleanupDefunctSiloEntriesKey", p =>
        {
            p.AddWithValue("DeploymentId", "d-1");
            p.AddWithValue("IAmAliveTime", Now.AddHours(-1));
        });

        Assert.Equal(["10.0.0.2", "10.0.0.3"], await AddressesAsync(store, "d-1"));
        Assert.Equal(["10.0.0.1"], await AddressesAsync(store, "d-2"));
    }

    [PostgresFact]
    public async Task Deleting_a_deployment_removes_its_members_and_version()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await SeedAsync(store);

        await RunStoredAsync(store, "DeleteMembershipTableEntriesKey", p => p.AddWithValue("DeploymentId", "d-1"));

        Assert.Empty(await AddressesAsync(store, "d-1"));
        Assert.Equal(["10.0.0.1"], await AddressesAsync(store, "d-2"));
        Assert.Equal(1, await store.ScalarAsync("SELECT count(*) FROM orleans_membership_version"));
    }

    [PostgresFact]
    public async Task Insert_is_refused_when_the_table_version_moved_on()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await SeedAsync(store);

        // d-1's version is 0: a writer holding version 5 saw a table that no longer exists.
        var stale = await InsertMemberAsync(store, "10.0.0.9", version: 5);
        var current = await InsertMemberAsync(store, "10.0.0.9", version: 0);

        Assert.Equal(0, stale);
        Assert.Equal(1, current);
        Assert.Equal(1, await store.ScalarAsync("SELECT version FROM orleans_membership_version WHERE deployment_id = 'd-1'"));
    }

    [PostgresFact]
    public async Task An_insert_that_finds_the_silo_already_there_fails_and_leaves_the_version_alone()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await SeedAsync(store);
        Assert.Equal(1, await InsertMemberAsync(store, "10.0.0.9", version: 0));

        // The same silo again, against the version the first insert left: nothing written, so nothing moves.
        var again = await InsertMemberAsync(store, "10.0.0.9", version: 1);

        Assert.Equal(0, again);
        Assert.Equal(1, await store.ScalarAsync("SELECT version FROM orleans_membership_version WHERE deployment_id = 'd-1'"));
    }

    [PostgresFact]
    public async Task An_update_moves_the_version_only_when_it_changed_a_member()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await SeedAsync(store);

        var missing = await UpdateMemberAsync(store, "10.0.0.9", version: 0);
        var stale = await UpdateMemberAsync(store, "10.0.0.2", version: 7);
        var current = await UpdateMemberAsync(store, "10.0.0.2", version: 0);

        Assert.Equal([0L, 0L, 1L], [missing, stale, current]);
        Assert.Equal(1, await store.ScalarAsync("SELECT version FROM orleans_membership_version WHERE deployment_id = 'd-1'"));
        Assert.Equal(5, await store.ScalarAsync("SELECT status FROM orleans_membership WHERE deployment_id = 'd-1' AND address = '10.0.0.2'"));
    }

    [PostgresFact]
    public async Task Two_writers_holding_the_same_version_cannot_both_succeed()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        await SeedAsync(store);

        var results = await Task.WhenAll(
            InsertMemberAsync(store, "10.0.0.8", version: 0),
            InsertMemberAsync(store, "10.0.0.9", version: 0));

        Assert.Equal(1, results.Sum());
        Assert.Equal(1, await store.ScalarAsync("SELECT version FROM orleans_membership_version WHERE deployment_id = 'd-1'"));
        Assert.Equal(4, await store.ScalarAsync("SELECT count(*) FROM orleans_membership WHERE deployment_id = 'd-1'"));
    }

    private static Task<long> UpdateMemberAsync(TestStore store, string address, int version) =>
        RunStoredAsync(store, "UpdateMembershipKey", p =>
        {
            p.AddWithValue("DeploymentId", "d-1");
            p.AddWithValue("Address", address);
            p.AddWithValue("Port", 1);
            p.AddWithValue("Generation", 1);
            p.AddWithValue("Status", 5);
            p.AddWithValue("SuspectTimes", DBNull.Value);
            p.AddWithValue("IAmAliveTime", Now);
            p.AddWithValue("Version", version);
        });

    private static Task<long> InsertMemberAsync(TestStore store, string address, int version) =>
        RunStoredAsync(store, "InsertMembershipKey", p =>
        {
            p.AddWithValue("DeploymentId", "d-1");
            p.AddWithValue("Address", address);
            p.AddWithValue("Port", 11111);
            p.AddWithValue("Generation", 7);
            p.AddWithValue("SiloName", "silo");
            p.AddWithValue("HostName", "host");
            p.AddWithValue("Status", 3);
            p.AddWithValue("ProxyPort", 30000);
            p.AddWithValue("StartTime", Now);
            p.AddWithValue("IAmAliveTime", Now);
            p.AddWithValue("Version", version);
        });

    private static async Task SeedAsync(TestStore store)
    {
        await using var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO orleans_membership_version (deployment_id) VALUES ('d-1'), ('d-2');
            INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                                            proxy_port, start_time, i_am_alive_time)
            VALUES ('d-1', '10.0.0.1', 1, 1, 's', 'h', 6, 0, @long_ago, @long_ago),
                   ('d-1', '10.0.0.2', 1, 1, 's', 'h', 3, 0, @long_ago, @long_ago),
                   ('d-1', '10.0.0.3', 1, 1, 's', 'h', 6, 0, @long_ago, @recent),
                   ('d-2', '10.0.0.1', 1, 1, 's', 'h', 6, 0, @long_ago, @long_ago);
            """, connection);
        command.Parameters.AddWithValue("long_ago", Now.AddDays(-2));
        command.Parameters.AddWithValue("recent", Now);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> RunStoredAsync(TestStore store, string key, Action<NpgsqlParameterCollection> bind)
    {
        await using var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        string text;
        await using (var find = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection))
        {
            find.Parameters.AddWithValue("key", key);
            text = (string)(await find.ExecuteScalarAsync())!;
        }

        await using var run = new NpgsqlCommand(text, connection);
        bind(run.Parameters);
        var result = await run.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> AddressesAsync(TestStore store, string deployment)
    {
        await using var connection = new NpgsqlConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT address FROM orleans_membership WHERE deployment_id = @d ORDER BY address", connection);
        command.Parameters.AddWithValue("d", deployment);
        await using var reader = await command.ExecuteReaderAsync();
        var addresses = new List<string>();
        while (await reader.ReadAsync())
        {
            addresses.Add(reader.GetString(0));
        }

        return addresses;
    }
}
