namespace QpActors.Bench.Tests;

/// <summary>The benchmark's events must pass the same validation the gateway applies, or the figures measure rejections.</summary>
public sealed class ChildScriptsTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(5_000_000)]
    public void Every_step_is_a_valid_event_for_the_child_and_not_in_the_future(long step)
    {
        var scripts = new ChildScripts("t", AsOf);
        foreach (var child in new[] { 0, 1, 2, 899 })
        {
            var contact = scripts.Parse(child, step, AsOf);
            Assert.Equal(scripts.ChildId(child), contact.ChildId);
            Assert.Equal(scripts.FamilyId(child), contact.FamilyId);
            Assert.True(contact.OccurredAt <= AsOf);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(6, 4)]
    [InlineData(100_000, 66_667)]
    public void Every_third_child_joins_the_family_before_it(int children, int families)
    {
        var scripts = new ChildScripts("t", AsOf);
        Assert.Equal(families, ChildScripts.FamiliesFor(children));
        Assert.Equal(families, scripts.FamilyHeads(children).Count());
        Assert.Equal(families, Enumerable.Range(0, children).Select(scripts.FamilyId).Distinct().Count());
    }

    [Theory]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(1_000)]
    [InlineData(5_000_000)]
    [InlineData(6_000_000)]
    public void A_further_step_built_from_the_template_is_the_event_parsing_gives(long step)
    {
        var scripts = new ChildScripts("t", AsOf);
        foreach (var child in new[] { 0, 1, 2, 899 })
        {
            var template = scripts.Parse(child, ChildScripts.Length, AsOf);

            Assert.Equal(scripts.Parse(child, step, AsOf), scripts.Further(template, step, AsOf));
        }
    }
}
