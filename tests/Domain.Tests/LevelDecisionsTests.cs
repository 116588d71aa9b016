using QpActors.Domain.Events;
using QpActors.Domain.Risk;

namespace QpActors.Domain.Tests;

public sealed class LevelDecisionsTests
{
    [Theory]
    [InlineData(ServiceLevel.Universal, false)]
    [InlineData(ServiceLevel.UniversalPlus, true)]
    [InlineData(ServiceLevel.UniversalPartnershipPlus, true)]
    public void With_no_level_set_a_suggestion_above_universal_awaits_a_decision(ServiceLevel suggested, bool awaits)
    {
        Assert.Equal(awaits, LevelDecisions.AwaitsDecision(suggested, set: null));
    }

    [Theory]
    [InlineData(ServiceLevel.UniversalPlus, ServiceLevel.Universal, true)]
    [InlineData(ServiceLevel.UniversalPartnershipPlus, ServiceLevel.Universal, true)]
    [InlineData(ServiceLevel.UniversalPartnershipPlus, ServiceLevel.UniversalPlus, true)]
    [InlineData(ServiceLevel.Universal, ServiceLevel.Universal, false)]
    [InlineData(ServiceLevel.UniversalPlus, ServiceLevel.UniversalPlus, false)]
    [InlineData(ServiceLevel.UniversalPartnershipPlus, ServiceLevel.UniversalPartnershipPlus, false)]
    [InlineData(ServiceLevel.Universal, ServiceLevel.UniversalPlus, false)]
    [InlineData(ServiceLevel.Universal, ServiceLevel.UniversalPartnershipPlus, false)]
    [InlineData(ServiceLevel.UniversalPlus, ServiceLevel.UniversalPartnershipPlus, false)]
    public void A_suggestion_awaits_a_decision_only_when_it_is_above_the_level_the_team_set(ServiceLevel suggested, ServiceLevel set, bool awaits)
    {
        Assert.Equal(awaits, LevelDecisions.AwaitsDecision(suggested, set));
    }

    [Fact]
    public void Levels_rank_in_the_order_of_the_help_they_give()
    {
        Assert.Equal(
            [ServiceLevel.Universal, ServiceLevel.UniversalPlus, ServiceLevel.UniversalPartnershipPlus],
            Enum.GetValues<ServiceLevel>().OrderBy(LevelDecisions.Rank));
        Assert.Equal(3, Enum.GetValues<ServiceLevel>().Select(LevelDecisions.Rank).Distinct().Count());
    }
}
