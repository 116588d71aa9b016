using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// A departure row is kept for as long as a ward report can still be on its way, which is bounded by Orleans' messaging
/// settings: a week was reasoned from the default 30 s response timeout and dropped expired messages, and an operator's
/// longer timeout, or expired messages kept, must not have the sweep remove rows a late report still needs.
/// </summary>
public sealed class DepartureKeepTests
{
    [Theory]
    [InlineData(30, true, 7.0)]
    [InlineData(5, true, 7.0)]
    [InlineData(120, true, 28.0)]
    [InlineData(3600, true, 840.0)]
    public void The_keep_grows_with_the_response_timeout_and_is_never_under_a_week(int timeoutSeconds, bool drop, double days) =>
        Assert.Equal(TimeSpan.FromDays(days), WardDeparture.KeptForMessaging(TimeSpan.FromSeconds(timeoutSeconds), drop));

    [Fact]
    public void No_keep_bounds_a_report_when_expired_messages_are_delivered_or_nothing_expires()
    {
        Assert.Null(WardDeparture.KeptForMessaging(TimeSpan.FromSeconds(30), dropExpiredMessages: false));
        Assert.Null(WardDeparture.KeptForMessaging(Timeout.InfiniteTimeSpan, dropExpiredMessages: true));
        Assert.Null(WardDeparture.KeptForMessaging(TimeSpan.MaxValue, dropExpiredMessages: true));
    }

    [Fact]
    public async Task With_a_two_minute_response_timeout_the_sweep_keeps_a_departure_of_eight_days_and_removes_one_past_four_weeks()
    {
        await using var cluster = await Cluster.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(2)));
        var ward = "keep-" + Guid.NewGuid().ToString("N")[..8];
        await InsertDeparturesAsync(cluster, ward, ("family:kept", TimeSpan.FromDays(8)), ("family:gone", TimeSpan.FromDays(29)));

        await cluster.Client.GetGrain<IDeadlineSweeperGrain>(0).SweepAsync();

        await using var journal = EventJournalFactory.Create(cluster.Storage);
        Assert.Equal([new WardDeparture(ward, "family:kept", 1)], await journal.ReadWardDeparturesAsync(ward));
    }

    [Fact]
    public async Task With_expired_messages_delivered_the_sweep_removes_no_departure()
    {
        await using var cluster = await Cluster.StartAsync(services =>
            services.Configure<SiloMessagingOptions>(o => o.DropExpiredMessages = false));
        var ward = "keep-" + Guid.NewGuid().ToString("N")[..8];
        await InsertDeparturesAsync(cluster, ward, ("family:old", TimeSpan.FromDays(100)));

        await cluster.Client.GetGrain<IDeadlineSweeperGrain>(0).SweepAsync();

        await using var journal = EventJournalFactory.Create(cluster.Storage);
        Assert.Equal([new WardDeparture(ward, "family:old", 1)], await journal.ReadWardDeparturesAsync(ward));
    }

    [Fact]
    public async Task A_prune_the_store_cannot_take_for_the_moment_is_one_line_naming_the_store_and_the_next_sweep_prunes()
    {
        var logs = new CapturedLogs();
        await using var cluster = await Cluster.StartAsync(services => services.AddSingleton<ILoggerProvider>(logs), busyTimeoutSeconds: 1);
        var ward = "keep-" + Guid.NewGuid().ToString("N")[..8];
        await InsertDeparturesAsync(cluster, ward, ("family:gone", TimeSpan.FromDays(8)));
        var sweeper = cluster.Client.GetGrain<IDeadlineSweeperGrain>(0);
        await using var journal = EventJournalFactory.Create(cluster.Storage);

        // Another connection holds SQLite's write lock past the busy timeout while the sweep prunes.
        await using (var holder = new SqliteConnection(new SqliteConnectionStringBuilder(cluster.Storage.ConnectionString) { Pooling = false }.ToString()))
        {
            await holder.OpenAsync();
            await using var held = holder.BeginTransaction(deferred: false);
            await sweeper.SweepAsync();
        }

        var warning = Assert.Single(logs.Entries, e => e.Message.StartsWith("Ward departures could not be pruned", StringComparison.Ordinal));
        Assert.Null(warning.Exception);
        Assert.Contains("SQLite file", warning.Message, StringComparison.Ordinal);
        Assert.Single(await journal.ReadWardDeparturesAsync(ward));

        await sweeper.SweepAsync();

        Assert.Empty(await journal.ReadWardDeparturesAsync(ward));
    }

    // Rows as the journal stamps them: by its own clock, the system's in a silo.
    private static async Task InsertDeparturesAsync(Cluster cluster, string ward, params (string EntryKey, TimeSpan Age)[] rows)
    {
        await using var connection = new SqliteConnection(cluster.Storage.ConnectionString);
        await connection.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        foreach (var (entryKey, age) in rows)
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO qp_ward_departures (ward_code, entry_key, version, left_at) VALUES (@ward, @entry, 1, @left)";
            insert.Parameters.AddWithValue("@ward", ward);
            insert.Parameters.AddWithValue("@entry", entryKey);
            insert.Parameters.AddWithValue("@left", (now - age).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync();
        }
    }
}
