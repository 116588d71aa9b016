using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
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
}
