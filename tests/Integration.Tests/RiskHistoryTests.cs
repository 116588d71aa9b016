using QpActors.Domain.Events;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>A risk history is a function of the journal: what a live grain showed, a grain rebuilt from the journal shows.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RiskHistoryTests(ClusterFixture fixture)
{
    private static readonly TimeSpan HandledAfterReceipt = TimeSpan.FromSeconds(3);

    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_family_and_its_child_show_the_same_history_after_a_rebuild_however_late_each_event_was_handled()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        var childGrain = fixture.Client.GetGrain<IChildGrain>(child);
        var now = fixture.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var received = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

        // Each event is stamped when it is received (as the gateway does) and handled a little later.
        async Task HandleAsync(ContactEvent contact)
        {
            received[contact.EventId] = contact.ReceivedAt;
            fixture.Clock.Advance(HandledAfterReceipt);
            var receipt = contact.ChildId is null
                ? await familyGrain.RecordAsync(contact)
                : await childGrain.RecordAsync(contact);
            Assert.Equal(ReceiptStatus.Accepted, receipt.Status);
        }

        await HandleAsync(_contacts.FamilyRegistered(family, now.AddDays(-30), housing: "temporary-accommodation"));
        await HandleAsync(_contacts.Birth(family, child, today.AddDays(-25)));
        await HandleAsync(_contacts.Concern(family, "domestic-abuse", now.AddDays(-4)));
        for (var i = 3; i >= 1; i--)
        {
            await HandleAsync(_contacts.AandE(family, child, now.AddDays(-i)));
        }

        var liveChild = (await childGrain.GetRiskAsync()).History;
        var liveFamily = (await familyGrain.GetRiskStatusAsync()).History;
        await fixture.Cluster.DeactivateAsync(familyGrain);
        await fixture.Cluster.DeactivateAsync(childGrain);
        var rebuiltChild = (await childGrain.GetRiskAsync()).History;
        var rebuiltFamily = (await familyGrain.GetRiskStatusAsync()).History;

        Assert.True(liveFamily.Count >= 3, $"the family's history has {liveFamily.Count} changes");
        Assert.True(liveChild.Count >= 2, $"the child's history has {liveChild.Count} changes");
        Assert.Equal(Exactly(liveFamily), Exactly(rebuiltFamily));
        Assert.Equal(Exactly(liveChild), Exactly(rebuiltChild));

        // Both are at the instants the events were received, not when a grain handled them.
        Assert.All(liveFamily.Concat(liveChild).Where(c => c.Cause != RiskTimeline.TimeCause), c => Assert.Equal(received[c.Cause], c.At));
    }

    /// <summary>Each change with its instant's offset, which equality of instants alone ignores.</summary>
    private static IEnumerable<(RiskChange Change, TimeSpan Offset)> Exactly(IEnumerable<RiskChange> history) =>
        history.Select(c => (c, c.At.Offset)).ToList();
}
