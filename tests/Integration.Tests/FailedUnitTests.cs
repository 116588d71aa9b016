using QpActors.Domain.Events;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>A child whose unit of events fails anywhere starts again from the journal, so its tallies count only what the journal holds.</summary>
[Collection(FaultsCollection.Name)]
public sealed class FailedUnitTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    private DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    [Fact]
    public async Task A_child_whose_unit_failed_after_the_tallies_counted_it_starts_again_from_the_journal()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await grain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-20)));

        // An id the journal already holds for another entity: the journal writes nothing of the unit, and the child then
        // reloads from the journal to plan it again without that event, which fails here. The tallies counted both events
        // before the commit.
        var other = _contacts.NewId("f");
        var held = _contacts.FamilyRegistered(other, Now.AddDays(-5));
        await fixture.Client.GetGrain<IFamilyGrain>(other).RecordAsync(held);
        var service = _contacts.NewId("svc");
        var reused = _contacts.Make(EventTypes.ReviewCompleted, family, child, Now.AddDays(-2),
            new System.Text.Json.Nodes.JsonObject { ["review"] = "new-birth" }, "service:" + service, held.EventId);
        var missed = _contacts.Missed(family, child, Now.AddDays(-1));

        using (fixture.Faults.EventReads.Arm(q => q.ChildId == child))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => grain.RecordAllAsync([missed, reused]));
        }

        // Nothing of the unit was stored, and nothing of it is counted: the child's one event is the high half of the
        // version (the low half is the version of its family's ward).
        var contribution = await grain.GetContributionAsync();
        Assert.NotNull(contribution);
        Assert.Equal(1, contribution.Version >> 32);
        Assert.Equal(["midwifery"], ContributionJson.Deserialize<ChildContribution>(contribution.Payload).Services.Select(s => s.ServiceId));

        // Sent again, the unit is recorded without the taken id.
        var receipts = await grain.RecordAllAsync([missed, reused]);
        Assert.Equal([(ReceiptStatus.Accepted, 2L), (ReceiptStatus.Rejected, 0L)], receipts.Select(r => (r.Status, r.Version)));
        contribution = await grain.GetContributionAsync();
        Assert.NotNull(contribution);
        Assert.Equal(2, contribution.Version >> 32);
        var services = ContributionJson.Deserialize<ChildContribution>(contribution.Payload).Services;
        Assert.Equal(["health-visiting", "midwifery"], services.Select(s => s.ServiceId).Order());
    }
}
