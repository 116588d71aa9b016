using QpActors.Domain.Events;
using QpActors.Domain.Model;

namespace QpActors.Domain.Tests;

[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryCollection;

/// <summary>Runs alone: it measures the heap, which other tests running at the same time would disturb.</summary>
[Collection(nameof(MemoryTests))]
public sealed class MemoryTests
{
    [Fact]
    public void A_child_with_about_twenty_five_events_stays_under_five_kilobytes()
    {
        const int children = 500;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var states = new ChildState[children];
        for (var i = 0; i < children; i++)
        {
            states[i] = ChildState.Fold("c-1", FreshEvents());
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perChild = (after - before) / (double)children;

        Assert.Equal(26, states[^1].Version);
        Assert.InRange(perChild, 1, 5 * 1024);
    }

    /// <summary>The realistic child with journal-like ids (GUIDs) and fresh strings, as if just read from storage.</summary>
    private static IEnumerable<ContactEvent> FreshEvents() =>
        TestData.RealisticChild().Select(e => e with
        {
            EventId = Guid.NewGuid().ToString(),
            FamilyId = new string(e.FamilyId.AsSpan()),
            ChildId = new string(e.ChildId.AsSpan()),
        });
}
