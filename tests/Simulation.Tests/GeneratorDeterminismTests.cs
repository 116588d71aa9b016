using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

public sealed class GeneratorDeterminismTests
{
    private static GeneratorOptions Options(int seed) =>
        new(seed, ["queens-park", "westbourne"], 2_000, new DateOnly(2020, 1, 1), new DateOnly(2024, 1, 1));

    [Fact]
    public void Same_seed_and_options_give_the_same_first_ten_thousand_sends()
    {
        var first = PilotRuns.Hash(new ContactGenerator(Options(42)).Generate().Take(10_000));
        var second = PilotRuns.Hash(new ContactGenerator(Options(42)).Generate().Take(10_000));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Enumerating_one_generator_twice_repeats_the_sequence()
    {
        var generator = new ContactGenerator(Options(5));

        Assert.Equal(PilotRuns.Hash(generator.Generate().Take(5_000)), PilotRuns.Hash(generator.Generate().Take(5_000)));
    }

    [Fact]
    public void A_different_seed_gives_different_sends_and_ids()
    {
        var a = new ContactGenerator(Options(42)).Generate().Take(5_000).ToList();
        var b = new ContactGenerator(Options(43)).Generate().Take(5_000).ToList();

        Assert.NotEqual(PilotRuns.Hash(a), PilotRuns.Hash(b));
        Assert.Empty(a.Select(c => c.EventId).Intersect(b.Select(c => c.EventId)));
    }

    [Fact]
    public void Event_ids_derive_from_seed_ward_entity_and_sequence()
    {
        var run = PilotRuns.For(42);

        Assert.All(run.Contacts, c => Assert.Matches(@"^syn-s42-qp-(c\d{6}-\d{2}|d\d{4}-\d)$", c.EventId));
    }
}
