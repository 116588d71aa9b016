using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using QpActors.Domain.Events;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Tests.Shared;
using Xunit.Abstractions;

namespace QpActors.Integration.Tests;

/// <summary>
/// What comparing a repeat with the event its id holds costs, and where: nothing on an event's first write, one lookup of
/// the stored row (as before the comparison) and the reading of its JSON when the id is found taken.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RepeatedEventIdTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    private DateOnly Today => DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);

    [Fact]
    public async Task A_first_write_looks_nothing_up_and_a_repeat_costs_one_lookup_of_the_stored_row_and_its_reading()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-20)))).Status);
        var attendance = _contacts.AandE(family, child, Contacts.At(Today.AddDays(-1)));

        var lookups = fixture.Faults.EventLookups;
        var first = await grain.RecordAsync(attendance);
        var onFirstWrite = fixture.Faults.EventLookups - lookups;
        var again = await grain.RecordAsync(attendance with { ReceivedAt = attendance.ReceivedAt.AddMinutes(1) });
        var onRepeat = fixture.Faults.EventLookups - lookups - onFirstWrite;
        var other = await grain.RecordAsync(_contacts.Missed(family, child, attendance.OccurredAt, attendance.EventId));
        var onOther = fixture.Faults.EventLookups - lookups - onFirstWrite - onRepeat;

        Assert.Equal((ReceiptStatus.Accepted, ReceiptStatus.Duplicate, ReceiptStatus.Rejected), (first.Status, again.Status, other.Status));
        Assert.Equal(first.Version, again.Version);
        Assert.Equal([("eventId", ContactReceipt.HoldsAnotherEvent)], other.Errors.Select(e => (e.Field, e.Message)));
        Assert.Equal((0L, 1L, 1L), (onFirstWrite, onRepeat, onOther));

        // The comparison itself, once the row is read: its JSON read back into an event and compared field by field.
        var row = (await fixture.Faults.Journal.FindEventAsync(attendance.EventId))!;
        long bytes = 0;
        for (var round = 0; round < 2; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var same = attendance.IsRepeatOf(ContactEventJson.Deserialize(row.Payload.Bytes));
            bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(same);
        }

        output.WriteLine($"stored row {row.Payload.Bytes.Length} B; reading and comparing it allocated {bytes} B");
        Assert.InRange(bytes, 1, 4096);
    }

    [Fact]
    public async Task Events_after_a_refused_reuse_of_an_id_in_one_unit_carry_the_versions_a_rebuild_gives()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        Assert.Equal(1, (await grain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-30)))).Version);

        // The family holds an event under an id the device then reuses, by a fault, for one of the child's events: the
        // child has not seen the id, so only the journal's unique key tells, once the unit is written.
        var concern = _contacts.Concern(family, "housing", Contacts.At(Today.AddDays(-3)));
        Assert.Equal(ReceiptStatus.Accepted, (await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(concern)).Status);
        var before = _contacts.AandE(family, child, Contacts.At(Today.AddDays(-2)));
        var reused = _contacts.AandE(family, child, Contacts.At(Today.AddDays(-2)), concern.EventId);
        var after = _contacts.Missed(family, child, Contacts.At(Today.AddDays(-1)));
        var last = _contacts.AandE(family, child, Contacts.At(Today.AddDays(-1)));

        var receipts = await grain.RecordAllAsync([before, reused, after, last]);

        Assert.Equal(
            [(ReceiptStatus.Accepted, 2L), (ReceiptStatus.Rejected, 0L), (ReceiptStatus.Accepted, 3L), (ReceiptStatus.Accepted, 4L)],
            receipts.Select(r => (r.Status, r.Version)));
        Assert.Equal(4, (await grain.GetRiskAsync()).Version);

        // Rebuilt from the journal, the child holds four events, and a retry of each answers the version it was given.
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(4, (await grain.GetRiskAsync()).Version);
        var retried = await grain.RecordAllAsync([before, after, last]);
        Assert.Equal([(ReceiptStatus.Duplicate, 2L), (ReceiptStatus.Duplicate, 3L), (ReceiptStatus.Duplicate, 4L)], retried.Select(r => (r.Status, r.Version)));
    }

    [Fact]
    public Task A_ward_reloaded_after_a_refused_reuse_of_an_id_in_a_childs_unit_holds_what_a_rebuild_gives() =>
        WardAgreesWithARebuildAsync(fixture.Cluster, fixture.Faults, fixture.Clock, _contacts, fixture.OneWayHandledAsync);

    [PostgresFact]
    public async Task A_ward_reloaded_after_a_refused_reuse_of_an_id_in_a_childs_unit_holds_what_a_rebuild_gives_on_postgres()
    {
        var server = PostgresFactAttribute.ServerConnectionString;
        var database = "qp_reuse_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, $"CREATE DATABASE {database}");
        try
        {
            var storage = StorageSettings.Postgres(new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = database }.ToString());
            await SchemaMigrator.ApplyAsync(storage, CancellationToken.None);
            var (faults, messages, clock) = (new Faults(), new OneWayMessages(), new FakeTimeProvider(ClusterFixture.Start));
            var cluster = await ClusterFixture.StartClusterAsync(storage, clock, faults, messages);
            try
            {
                await WardAgreesWithARebuildAsync(
                    cluster, faults, clock, new Contacts(clock, _contacts.NewId("pg")), () => messages.AllHandledAsync().WaitAsync(Delivery.Deadline));
            }
            finally
            {
                await cluster.StopAllSilosAsync();
                await cluster.DisposeAsync();
            }
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    /// <summary>
    /// A child's unit in which one id was found taken commits the rest, with the contribution of a state that counted the
    /// refused event. Once the child has answered, the journal's entry, and a ward that reloads from it, must hold what the
    /// child rebuilt from its rows reports, for the child and for its family (which applies only the events that committed).
    /// Either the refused event is an attendance the entry counted, or it is a birth record that moved the child to another
    /// ward, where the unit wrote its entry, with its departure from the ward it never left at that same version.
    /// </summary>
    private static async Task WardAgreesWithARebuildAsync(InProcessTestCluster cluster, Faults faults, TimeProvider clock, Contacts contacts, Func<Task> drain)
    {
        await WardAgreesWithARebuildAsync(cluster, faults, clock, contacts, drain, refusedMoves: false);
        await WardAgreesWithARebuildAsync(cluster, faults, clock, contacts, drain, refusedMoves: true);
    }

    private static async Task WardAgreesWithARebuildAsync(
        InProcessTestCluster cluster, Faults faults, TimeProvider clock, Contacts contacts, Func<Task> drain, bool refusedMoves)
    {
        var client = cluster.Client;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var (ward, family, child) = ("reuse-" + contacts.NewId("w"), contacts.NewId("f"), contacts.NewId("c"));
        var familyGrain = client.GetGrain<IFamilyGrain>(family);
        var grain = client.GetGrain<IChildGrain>(child);
        Assert.Equal(ReceiptStatus.Accepted, (await familyGrain.RecordAsync(contacts.FamilyRegistered(family, Contacts.At(today.AddDays(-40)), ward: ward))).Status);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(contacts.Birth(family, child, today.AddDays(-30), ward))).Status);
        var concern = contacts.Concern(family, "housing", Contacts.At(today.AddDays(-3)));
        Assert.Equal(ReceiptStatus.Accepted, (await familyGrain.RecordAsync(concern)).Status);

        // The refused event is the last but one: the contribution written with the last counts it.
        var refused = refusedMoves
            ? contacts.Birth(family, child, today.AddDays(-30), "elsewhere-" + contacts.NewId("w"), Contacts.At(today.AddDays(-2)), concern.EventId)
            : contacts.AandE(family, child, Contacts.At(today.AddDays(-2)), concern.EventId);
        var receipts = await grain.RecordAllAsync([
            contacts.AandE(family, child, Contacts.At(today.AddDays(-2))),
            refused,
            contacts.AandE(family, child, Contacts.At(today.AddDays(-1)))]);
        Assert.Equal([ReceiptStatus.Accepted, ReceiptStatus.Rejected, ReceiptStatus.Accepted], receipts.Select(r => r.Status));
        await drain();

        // The child and the family rebuilt from their rows are the reference.
        await cluster.DeactivateAsync(grain);
        await cluster.DeactivateAsync(familyGrain);
        var rebuilt = await grain.GetContributionAsync();
        Assert.NotNull(rebuilt);
        var entries = await faults.Journal.ReadWardEntriesAsync(ward);
        Assert.Contains(rebuilt.EntryKey, entries.Select(e => e.EntryKey));
        Assert.Equal(receipts[2].Version, rebuilt.Version >> 32);
        var stored = entries.Single(e => e.EntryKey == rebuilt.EntryKey);
        Assert.Equal((rebuilt.Version, Utf8(rebuilt.Payload)), (stored.Version, Utf8(stored.Payload.Bytes)));

        // A ward reloaded from the journal shows what a reconciliation against the rebuilt entities would, and finds nothing to repair.
        var wardGrain = client.GetGrain<IWardGrain>(ward);
        await cluster.DeactivateAsync(wardGrain);
        var (figures, worklist) = await ReadWardAsync(wardGrain, ward);
        var report = await wardGrain.ReconcileAsync();
        Assert.Empty(report.Differences);
        Assert.Equal(2, report.EntitiesChecked);
        Assert.Equal((figures, worklist), await ReadWardAsync(wardGrain, ward));
    }

    private static string Utf8(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static async Task<(string Figures, string Worklist)> ReadWardAsync(IWardGrain wardGrain, string ward)
    {
        var figures = await wardGrain.GetOwnFiguresAsync(new FiguresQuery("month", null, "default"));
        CallerContext.Set(new Caller("ei-" + ward, Roles.EarlyIntervention, [ward], null, null));
        try
        {
            var worklist = await wardGrain.GetWorklistAsync(new WorklistQuery(null, null, null, 1, 50));
            return (figures.Document, string.Join("; ", worklist.Items.Select(i => $"{i.FamilyId} {i.Score} {i.SuggestedLevel} {string.Join(',', i.TopFactors)}")));
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
