using QpActors.Figures.Publishing;

namespace QpActors.Figures.Tests.Publishing;

public sealed class EstimateHiddenTests
{
    [Fact]
    public void Visible_parts_stay_and_hidden_ones_share_what_the_total_leaves_equally()
    {
        // 1,395 - 690 - 350 = 355 between two hidden parts.
        Assert.Equal([690m, 177.5m, 350m, 177.5m], FiguresLayout.EstimateHidden(1395, [690, null, 350, null]));
    }

    [Fact]
    public void Nothing_is_left_for_hidden_parts_when_the_total_is_hidden_or_the_rounded_parts_exceed_it()
    {
        Assert.Equal([0m, 0m, 0m], FiguresLayout.EstimateHidden(null, [null, 0, 0]));
        Assert.Equal([600m, 95m, 0m], FiguresLayout.EstimateHidden(690, [600, 95, null]));
    }

    [Fact]
    public void With_nothing_hidden_the_parts_are_as_published()
    {
        Assert.Equal([10m, 0m, 25m], FiguresLayout.EstimateHidden(null, [10, 0, 25]));
    }
}
