using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>The cached reference path must address the same grain, through the same interface, as Orleans' own.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_cached_reference_addresses_the_grain_GetGrain_would()
    {
        var contacts = new Contacts(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);
        var (family, child) = (contacts.NewId("f"), contacts.NewId("c"));
        var born = DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime).AddDays(-20);

        // The first call resolves the types; the later ones reuse them, also for other keys and interfaces.
        foreach (var key in new[] { child, child, contacts.NewId("c") })
        {
            var ours = (GrainReference)(object)fixture.Client.For<IChildGrain>(key);
            var orleans = (GrainReference)(object)fixture.Client.GetGrain<IChildGrain>(key);
            Assert.Equal(orleans.GrainId, ours.GrainId);
            Assert.Equal(orleans.InterfaceType, ours.InterfaceType);
        }

        var familyRef = (GrainReference)(object)fixture.Client.For<IFamilyGrain>(family);
        Assert.Equal(((GrainReference)(object)fixture.Client.GetGrain<IFamilyGrain>(family)).GrainId, familyRef.GrainId);

        // And a call through it reaches that grain: the birth recorded through one is read through the other.
        var receipt = await fixture.Client.For<IChildGrain>(child).RecordAsync(contacts.Birth(family, child, born));
        Assert.Equal(ReceiptStatus.Accepted, receipt.Status);
        Assert.Equal(1, (await fixture.Client.GetGrain<IChildGrain>(child).GetRiskAsync()).Version);
        Assert.Equal(1, (await fixture.Client.For<IFamilyGrain>(family).GetRiskStatusAsync()).Version);
    }
}
