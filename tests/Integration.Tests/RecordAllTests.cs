using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>A child's events recorded together (a device's batch) end exactly as if recorded one at a time.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RecordAllTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    private DateOnly Today => DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);

    private List<ContactEvent> History(string family, string child)
    {
        var born = Today.AddDays(-70);
        return
        [
            _contacts.Birth(family, child, born),
            _contacts.Review(family, child, "new-birth", Contacts.At(born.AddDays(12))),
            _contacts.Missed(family, child, Contacts.At(born.AddDays(30))),
            _contacts.AandE(family, child, Contacts.At(born.AddDays(35))),
            _contacts.AandE(family, child, Contacts.At(born.AddDays(40))),
            _contacts.AandE(family, child, Contacts.At(born.AddDays(45))),
        ];
    }

    [Fact]
    public async Task Events_recorded_together_give_the_same_child_and_family_as_one_at_a_time()
    {
        var (oneFamily, oneChild) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var (allFamily, allChild) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var one = fixture.Client.GetGrain<IChildGrain>(oneChild);
        var all = fixture.Client.GetGrain<IChildGrain>(allChild);
        var singly = new List<ContactReceipt>();
        foreach (var contact in History(oneFamily, oneChild))
        {
            singly.Add(await one.RecordAsync(contact));
        }

        var together = await all.RecordAllAsync(History(allFamily, allChild).ToArray());

        Assert.All(together, r => Assert.Equal(ReceiptStatus.Accepted, r.Status));
        Assert.Equal(singly.Select(r => r.Version), together.Select(r => r.Version));
        var (a, b) = (await one.GetRiskAsync(), await all.GetRiskAsync());
        Assert.Equal(6, b.Version);
        Assert.Equal(a.Score, b.Score);
        Assert.True(b.Score > 0, "three A&E attendances and a missed appointment must score");
        Assert.Equal(a.SuggestedLevel, b.SuggestedLevel);
        Assert.Equal(a.Reviews, b.Reviews);
        Assert.Equal(a.Factors.Select(f => (f.Id, f.Weight, f.EventIds.Count)), b.Factors.Select(f => (f.Id, f.Weight, f.EventIds.Count)));
        Assert.Equal(a.History!.Select(h => (h.Score, h.SuggestedLevel)), b.History!.Select(h => (h.Score, h.SuggestedLevel)));

        // The family heard once, with every event and the child's assessment after each.
        var (familyOne, familyAll) = (
            await fixture.Client.GetGrain<IFamilyGrain>(oneFamily).GetRiskStatusAsync(),
            await fixture.Client.GetGrain<IFamilyGrain>(allFamily).GetRiskStatusAsync());
        Assert.Equal(familyOne.Score, familyAll.Score);
        Assert.Equal(familyOne.SuggestedLevel, familyAll.SuggestedLevel);
        Assert.Contains(familyAll.Children, c => c.ChildId == allChild && c.Score == b.Score);
        Assert.Equal(familyOne.History.Select(h => (h.Score, h.SuggestedLevel)), familyAll.History.Select(h => (h.Score, h.SuggestedLevel)));

        // What was committed together is what the child rebuilds from the journal.
        await fixture.Cluster.DeactivateAsync(all);
        var reloaded = await all.GetRiskAsync();
        Assert.Equal(b.Version, reloaded.Version);
        Assert.Equal(b.Score, reloaded.Score);
        Assert.Equal(b.Factors.Select(f => (f.Id, f.Weight, f.EventIds.Count)), reloaded.Factors.Select(f => (f.Id, f.Weight, f.EventIds.Count)));
        Assert.Equal(b.History!.Select(h => (h.Score, h.SuggestedLevel)), reloaded.History!.Select(h => (h.Score, h.SuggestedLevel)));
    }

    [Fact]
    public async Task Duplicates_and_events_for_another_child_are_answered_item_by_item()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        var birth = _contacts.Birth(family, child, Today.AddDays(-10));
        await grain.RecordAsync(birth);
        var missed = _contacts.Missed(family, child, fixture.Clock.GetUtcNow().AddDays(-2));
        var forAnother = _contacts.Missed(family, _contacts.NewId("c"), fixture.Clock.GetUtcNow().AddDays(-1));
        var aande = _contacts.AandE(family, child, fixture.Clock.GetUtcNow().AddHours(-3));

        var receipts = await grain.RecordAllAsync([birth, missed, missed, forAnother, aande]);

        Assert.Equal(
            [ReceiptStatus.Duplicate, ReceiptStatus.Accepted, ReceiptStatus.Duplicate, ReceiptStatus.Rejected, ReceiptStatus.Accepted],
            receipts.Select(r => r.Status));
        Assert.Equal([1L, 2L, 2L, 0L, 3L], receipts.Select(r => r.Version));
        Assert.Equal(receipts.Select(r => r.EventId), new[] { birth, missed, missed, forAnother, aande }.Select(e => e.EventId));
        Assert.Contains(receipts[3].Errors, e => e.Field == "childId");
        Assert.Equal(3, (await grain.GetRiskAsync()).Version);

        // Sending the same unit again changes nothing.
        var again = await grain.RecordAllAsync([birth, missed, aande]);
        Assert.All(again, r => Assert.Equal(ReceiptStatus.Duplicate, r.Status));
        Assert.Equal([1L, 2L, 3L], again.Select(r => r.Version));
        Assert.Equal(3, (await grain.GetRiskAsync()).Version);
    }

    [Fact]
    public async Task An_event_id_another_child_already_holds_is_refused_naming_event_id_and_the_rest_of_the_unit_stays()
    {
        // A device reuses the first child's event id for the second child: the journal holds that id already.
        var (family, earlier, held, second) = await TwoChildrenTheFirstHoldingAnEventAsync();
        var grain = fixture.Client.GetGrain<IChildGrain>(second);
        var birth = _contacts.Birth(family, second, Today.AddDays(-20));
        var reused = _contacts.AandE(family, second, fixture.Clock.GetUtcNow().AddDays(-2)) with { EventId = held.EventId };
        var aande = _contacts.AandE(family, second, fixture.Clock.GetUtcNow().AddHours(-5));

        var receipts = await grain.RecordAllAsync([birth, reused, aande]);

        // Another event than the one the id holds: refused, saying nothing of the first child's event (version 0).
        Assert.Equal([ReceiptStatus.Accepted, ReceiptStatus.Rejected, ReceiptStatus.Accepted], receipts.Select(r => r.Status));
        Assert.Equal(0, receipts[1].Version);
        Assert.Equal([("eventId", ContactReceipt.HoldsAnotherEvent)], receipts[1].Errors.Select(e => (e.Field, e.Message)));
        Assert.Equal(2, receipts[2].Version); // the child's second event, as a rebuild counts it

        // The second child rebuilt itself from what the journal holds for it: two events, one A&E attendance.
        var live = await grain.GetRiskAsync();
        Assert.Equal(2, live.Version);
        await fixture.Cluster.DeactivateAsync(grain);
        var reloaded = await grain.GetRiskAsync();
        Assert.Equal(live.Version, reloaded.Version);
        Assert.Equal(live.Score, reloaded.Score);
        Assert.Equal(live.Factors.Select(f => (f.Id, f.EventIds.Count)), reloaded.Factors.Select(f => (f.Id, f.EventIds.Count)));
        Assert.DoesNotContain(live.Factors, f => f.EventIds.Contains(held.EventId));

        // The first child keeps its event.
        Assert.Equal(2, (await earlier.GetRiskAsync()).Version);
    }

    [Fact]
    public async Task The_family_hears_the_rest_of_a_unit_in_which_one_event_id_was_another_childs()
    {
        var (family, _, held, second) = await TwoChildrenTheFirstHoldingAnEventAsync();
        var grain = fixture.Client.GetGrain<IChildGrain>(second);
        var reused = _contacts.AandE(family, second, fixture.Clock.GetUtcNow().AddDays(-2)) with { EventId = held.EventId };

        var receipts = await grain.RecordAllAsync([
            _contacts.Birth(family, second, Today.AddDays(-20)),
            reused,
            _contacts.AandE(family, second, fixture.Clock.GetUtcNow().AddHours(-5))]);
        await fixture.OneWayHandledAsync();

        // The two accepted events are the family's as soon as they are the child's, not only when it next catches up
        // from the journal (at most once a minute, before a read).
        Assert.Equal([ReceiptStatus.Accepted, ReceiptStatus.Rejected, ReceiptStatus.Accepted], receipts.Select(r => r.Status));
        var status = await fixture.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        var child = Assert.Single(status.Children, c => c.ChildId == second);
        var own = await grain.GetRiskAsync();
        Assert.Equal(own.Score, child.Score);
        Assert.Equal(own.Factors.Select(f => (f.Id, f.EventIds.Count)), child.Factors.Select(f => (f.Id, f.EventIds.Count)));
    }

    /// <summary>A family's first child, born and with one more event (<c>Held</c>), and the id of a second child not yet recorded.</summary>
    private async Task<(string Family, IChildGrain First, ContactEvent Held, string Second)> TwoChildrenTheFirstHoldingAnEventAsync()
    {
        var family = _contacts.NewId("f");
        var (first, second) = (_contacts.NewId("c"), _contacts.NewId("c"));
        var earlier = fixture.Client.GetGrain<IChildGrain>(first);
        await earlier.RecordAsync(_contacts.Birth(family, first, Today.AddDays(-20)));
        var held = _contacts.Missed(family, first, fixture.Clock.GetUtcNow().AddDays(-3));
        await earlier.RecordAsync(held);
        return (family, earlier, held, second);
    }
}
