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
    public async Task A_store_failure_after_a_unit_met_a_taken_id_leaves_the_store_as_a_rebuild_gives_and_a_retry_records_the_rest()
    {
        var (_, child, unit) = await UnitWithATakenIdAsync();
        var grain = fixture.Client.GetGrain<IChildGrain>(child);

        // The unit's first commit goes through; whatever the child writes after it, the store refuses.
        using (var first = fixture.Faults.Appends.Arm(w => w.Event is { } e && e.ChildId == child && e.EventId == unit[1].EventId, FaultKind.Hold))
        {
            var call = grain.RecordAllAsync(unit);
            await first.WhenReachedAsync();
            using var next = fixture.Faults.Appends.Arm(w => Concerns(w, child));
            first.Release();
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        }

        await StoreAgreesWithARebuildAsync(child);

        // The device sends the batch again, and it is recorded as if the failure had never been.
        var retried = await grain.RecordAllAsync(unit);
        Assert.Equal([(ReceiptStatus.Accepted, 2L), (ReceiptStatus.Rejected, 0L), (ReceiptStatus.Accepted, 3L)], retried.Select(r => (r.Status, r.Version)));
        Assert.Equal(3, await StoreAgreesWithARebuildAsync(child));
    }

    [Fact]
    public async Task Between_a_units_commits_the_store_never_holds_what_a_rebuild_would_not_give()
    {
        var (_, child, unit) = await UnitWithATakenIdAsync();
        var grain = fixture.Client.GetGrain<IChildGrain>(child);

        Task<ContactReceipt[]> call;
        using (var first = fixture.Faults.Appends.Arm(w => w.Event is { } e && e.ChildId == child && e.EventId == unit[1].EventId, FaultKind.Hold))
        {
            call = grain.RecordAllAsync(unit);
            await first.WhenReachedAsync();
            using var next = fixture.Faults.Appends.Arm(w => Concerns(w, child), FaultKind.Hold);
            first.Release();

            // Whatever the child writes next waits: a ward reloading now reads the entries as they stand.
            await next.WhenReachedAsync();
            var rows = await fixture.Faults.Journal.ReadEventsAsync(EventQuery.ForChild(child));
            Assert.Equal(Enumerable.Range(1, rows.Count).Select(v => (long)v), rows.Select(r => r.EntityVersion));
            var entry = Assert.Single(await fixture.Faults.Journal.ReadWardEntriesAsync("queens-park"), e => e.EntryKey == "child:" + child);
            Assert.Equal(rows.Count, entry.Version >> 32);
            next.Release();
        }

        Assert.Equal([(ReceiptStatus.Accepted, 2L), (ReceiptStatus.Rejected, 0L), (ReceiptStatus.Accepted, 3L)], (await call).Select(r => (r.Status, r.Version)));
        Assert.Equal(3, await StoreAgreesWithARebuildAsync(child));
    }

    /// <summary>
    /// A child born 30 days ago in queens-park (version 1) and a unit of three of its events whose second reuses, by a
    /// fault, the id of an event its family holds.
    /// </summary>
    private async Task<(string Family, string Child, ContactEvent[] Unit)> UnitWithATakenIdAsync()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        Assert.Equal(1, (await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, Today.AddDays(-30)))).Version);
        var concern = _contacts.Concern(family, "housing", Contacts.At(Today.AddDays(-3)));
        Assert.Equal(ReceiptStatus.Accepted, (await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(concern)).Status);
        return (family, child, [
            _contacts.AandE(family, child, Contacts.At(Today.AddDays(-2))),
            _contacts.AandE(family, child, Contacts.At(Today.AddDays(-2)), concern.EventId),
            _contacts.AandE(family, child, Contacts.At(Today.AddDays(-1)))]);
    }

    /// <summary>Whether <paramref name="write"/> stores anything of the child's: an event, its ward entry or its deadline.</summary>
    private static bool Concerns(JournalWrite write, string child) =>
        write.Event?.ChildId == child ||
        write.WardEntries.Any(e => e.EntryKey == "child:" + child) ||
        write.Deadlines.Any(d => d.EntityKey == "child:" + child);

    /// <summary>
    /// The child's rows carry the versions a rebuild counts (1, 2, ...), and its queens-park entry is the contribution of
    /// the child rebuilt from them, with no departure. Returns how many events the child holds.
    /// </summary>
    private async Task<int> StoreAgreesWithARebuildAsync(string child)
    {
        var rows = await fixture.Faults.Journal.ReadEventsAsync(EventQuery.ForChild(child));
        var events = rows.Count;
        Assert.Equal(Enumerable.Range(1, events).Select(v => (long)v), rows.Select(r => r.EntityVersion));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await fixture.Cluster.DeactivateAsync(grain);
        var rebuilt = await grain.GetContributionAsync();
        Assert.NotNull(rebuilt);
        Assert.Equal(events, rebuilt.Version >> 32);
        var stored = Assert.Single(await fixture.Faults.Journal.ReadWardEntriesAsync("queens-park"), e => e.EntryKey == rebuilt.EntryKey);
        Assert.Equal(ChildsPart(rebuilt.Version, rebuilt.Payload), ChildsPart(stored.Version, stored.Payload.Bytes));
        Assert.DoesNotContain(await fixture.Faults.Journal.ReadWardDeparturesAsync("queens-park"), d => d.EntryKey == rebuilt.EntryKey);
        return events;
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
        await AWardNamedOnlyByARefusedBirthRecordHoldsNoEntryAsync(cluster, faults, clock, contacts, drain);
    }

    /// <summary>
    /// The refused event is the child's only birth record, the record that names its ward: rebuilt from its rows the child
    /// counts in no ward, so the ward the record named, reloaded from the journal, holds no entry of the child's.
    /// </summary>
    private static async Task AWardNamedOnlyByARefusedBirthRecordHoldsNoEntryAsync(
        InProcessTestCluster cluster, Faults faults, TimeProvider clock, Contacts contacts, Func<Task> drain)
    {
        var client = cluster.Client;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var (ward, family, child) = ("unborn-" + contacts.NewId("w"), contacts.NewId("f"), contacts.NewId("c"));
        var concern = contacts.Concern(family, "housing", Contacts.At(today.AddDays(-3)));
        Assert.Equal(ReceiptStatus.Accepted, (await client.GetGrain<IFamilyGrain>(family).RecordAsync(concern)).Status);
        var grain = client.GetGrain<IChildGrain>(child);

        var receipts = await grain.RecordAllAsync([
            contacts.Birth(family, child, today.AddDays(-30), ward, Contacts.At(today.AddDays(-2)), concern.EventId),
            contacts.AandE(family, child, Contacts.At(today.AddDays(-1)))]);
        Assert.Equal([(ReceiptStatus.Rejected, 0L), (ReceiptStatus.Accepted, 1L)], receipts.Select(r => (r.Status, r.Version)));
        await drain();

        await cluster.DeactivateAsync(grain);
        Assert.Null(await grain.GetContributionAsync());
        Assert.DoesNotContain(await faults.Journal.ReadWardEntriesAsync(ward), e => e.EntryKey == "child:" + child);
        var wardGrain = client.GetGrain<IWardGrain>(ward);
        await cluster.DeactivateAsync(wardGrain);
        var report = await wardGrain.ReconcileAsync();
        Assert.Empty(report.Differences);
        Assert.Equal(0, report.EntitiesChecked);
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
        Assert.Equal(ChildsPart(rebuilt.Version, rebuilt.Payload), ChildsPart(stored.Version, stored.Payload.Bytes));

        // A ward reloaded from the journal shows what a reconciliation against the rebuilt entities would, and finds nothing to repair.
        var wardGrain = client.GetGrain<IWardGrain>(ward);
        await cluster.DeactivateAsync(wardGrain);
        var (figures, worklist) = await ReadWardAsync(wardGrain, ward);
        var report = await wardGrain.ReconcileAsync();
        Assert.Empty(report.Differences);
        Assert.Equal(2, report.EntitiesChecked);
        Assert.Equal((figures, worklist), await ReadWardAsync(wardGrain, ward));
    }

    /// <summary>
    /// What a child's entry says of the child: the events it counts (the version's high half) and its figures. The low
    /// half is the version of the family's ward the child followed when it wrote the entry, which the family raises with
    /// every event it folds, so a child rebuilt later reads a higher one from its family than any entry the child wrote
    /// before, whatever path wrote it (see ChildGrain.ContributionVersion).
    /// </summary>
    private static (long Events, string Payload) ChildsPart(long version, byte[] payload) => (version >> 32, System.Text.Encoding.UTF8.GetString(payload));

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
