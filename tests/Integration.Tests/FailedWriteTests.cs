using Orleans.TestingHost;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>A grain keeps a change only once its write committed: a failed write leaves nothing in memory that storage lacks.</summary>
[Collection(FaultsCollection.Name)]
public sealed class FailedWriteTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    private DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    private InProcessTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_ward_snapshot_whose_write_failed_is_not_served_and_is_taken_again()
    {
        var ward = await WardWithAFamilyAsync();

        using (fixture.Faults.StateWrites.Arm(id => id == ward.GetGrainId()))
        {
            await Assert.ThrowsAnyAsync<Exception>(ward.TakeSnapshotIfDueAsync);
            Assert.Empty(await ward.GetHistoryAsync());
        }

        var taken = await ward.TakeSnapshotIfDueAsync();
        Assert.NotNull(taken);
        await Cluster.DeactivateAsync(ward);
        Assert.Equal([taken.Month], (await ward.GetHistoryAsync()).Select(m => m.Month));
    }

    [Fact]
    public async Task A_ward_snapshot_is_not_served_while_its_write_is_in_flight()
    {
        var ward = await WardWithAFamilyAsync();

        FiguresSnapshot? taken;
        using (var held = fixture.Faults.StateWrites.Arm(id => id == ward.GetGrainId(), FaultKind.Hold))
        {
            var taking = ward.TakeSnapshotIfDueAsync();
            await held.WhenReachedAsync();

            // The history interleaves with the snapshot's turn, which is waiting for its write.
            Assert.Empty(await ward.GetHistoryAsync());
            held.Release();
            taken = await taking;
        }

        Assert.NotNull(taken);
        Assert.Equal([taken.Month], (await ward.GetHistoryAsync()).Select(m => m.Month));
    }

    [Fact]
    public async Task A_ward_whose_snapshot_write_committed_unacknowledged_serves_it_and_writes_the_next_month()
    {
        var ward = await WardWithAFamilyAsync();

        using (fixture.Faults.StateWrites.Arm(id => id == ward.GetGrainId(), FaultKind.FailAfterCommit))
        {
            await Assert.ThrowsAnyAsync<Exception>(ward.TakeSnapshotIfDueAsync);
        }

        // The month is durable, so it is served and not taken twice; and the ward still holds the state's current
        // ETag, or its next write would be refused as a conflict.
        var first = Assert.Single(await ward.GetHistoryAsync());
        Assert.Null(await ward.TakeSnapshotIfDueAsync());
        fixture.Clock.Advance(TimeSpan.FromDays(31));
        var next = await ward.TakeSnapshotIfDueAsync();

        Assert.NotNull(next);
        Assert.NotEqual(first.Month, next.Month);
        await Cluster.DeactivateAsync(ward);
        Assert.Equal([first.Month, next.Month], (await ward.GetHistoryAsync()).Select(m => m.Month));
    }

    [Fact]
    public async Task A_champion_whose_loop_write_failed_does_not_count_the_family_and_counts_it_when_told_again()
    {
        var family = _contacts.NewId("f");
        var champion = fixture.Client.GetGrain<IChampionGrain>(_contacts.NewId("ch"));
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await familyGrain.RecordAsync(_contacts.FamilyRegistered(family, Now.AddDays(-30)));
        await familyGrain.RecordAsync(_contacts.Outreach(family, champion.GetPrimaryKeyString(), "childrens-centre", Now.AddDays(-10)));
        Assert.Equal(1, (await champion.GetSummaryAsync()).FamiliesSignposted);

        using (var refused = fixture.Faults.StateWrites.Arm(id => id == champion.GetGrainId()))
        {
            // One-way: the call returns before the champion handles it; the fault says when its write was refused.
            await champion.SignpostedFamilyReachedAsync(family, _contacts.NewId("e"));
            await refused.WhenReachedAsync();
            Assert.Equal(0, (await champion.GetSummaryAsync()).SignpostedThenReached);
        }

        using (var written = fixture.Faults.StateWrites.Arm(id => id == champion.GetGrainId(), FaultKind.Watch))
        {
            await champion.SignpostedFamilyReachedAsync(family, _contacts.NewId("e"));
            await written.WhenReachedAsync();
        }

        await Cluster.DeactivateAsync(champion);
        Assert.Equal(1, (await champion.GetSummaryAsync()).SignpostedThenReached);
    }

    [Fact]
    public async Task A_family_whose_entry_save_failed_saves_it_when_it_deactivates()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await familyGrain.RecordAsync(_contacts.FamilyRegistered(family, Now.AddDays(-20)));

        // The child's event reaches the family one-way; the family publishes and saves its new entry, which fails.
        using (var refused = fixture.Faults.Appends.Arm(w => w.Event is null && w.WardEntries.Any(e => e.EntryKey == "family:" + family)))
        {
            await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, Today.AddDays(-20)));
            await refused.WhenReachedAsync();
        }

        await Cluster.DeactivateAsync(familyGrain);

        var saved = (await fixture.Faults.Journal.ReadWardEntriesAsync("queens-park")).Single(e => e.EntryKey == "family:" + family);
        Assert.Equal(2, saved.Version);
    }

    /// <summary>A ward of its own, holding one family's entry (loaded from the journal), so it has figures to keep.</summary>
    private async Task<IWardGrain> WardWithAFamilyAsync()
    {
        var ward = _contacts.NewId("w");
        var family = _contacts.NewId("f");
        await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(_contacts.FamilyRegistered(family, Now.AddDays(-3), ward: ward));
        var grain = fixture.Client.GetGrain<IWardGrain>(ward);
        await grain.ReconcileAsync();
        return grain;
    }
}
