using System.Text.Json;
using QpActors.Domain.Events;

namespace QpActors.Domain.Tests;

public sealed class WireNameTests
{
    [Theory]
    [InlineData(ServiceLevel.Universal, "universal")]
    [InlineData(ServiceLevel.UniversalPlus, "universal-plus")]
    [InlineData(ServiceLevel.UniversalPartnershipPlus, "universal-partnership-plus")]
    public void Service_levels_map_both_ways(ServiceLevel level, string wire)
    {
        Assert.Equal(wire, level.ToWireName());
        Assert.Equal(level, WireName.Parse<ServiceLevel>(wire));
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(level));
        Assert.Equal(level, JsonSerializer.Deserialize<ServiceLevel>($"\"{wire}\""));
    }

    [Theory]
    [InlineData(MandatedReview.Antenatal, "antenatal")]
    [InlineData(MandatedReview.NewBirth, "new-birth")]
    [InlineData(MandatedReview.SixToEightWeek, "6-8-week")]
    [InlineData(MandatedReview.OneYear, "1-year")]
    [InlineData(MandatedReview.TwoYear, "2-year")]
    public void Reviews_map_both_ways(MandatedReview review, string wire)
    {
        Assert.Equal(wire, review.ToWireName());
        Assert.Equal(review, WireName.Parse<MandatedReview>(wire));
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(review));
    }

    [Fact]
    public void Every_member_of_every_wire_enum_round_trips()
    {
        AssertRoundTrip<Concern>(5);
        AssertRoundTrip<Housing>(7);
        AssertRoundTrip<MemberRole>(3);
        Assert.Equal(
            ["maternal-mental-health", "domestic-abuse", "substance-use", "housing", "safeguarding"],
            WireName.All<Concern>());
        Assert.Equal("temporary-accommodation", Housing.TemporaryAccommodation.ToWireName());
    }

    [Theory]
    [InlineData("Universal")]
    [InlineData("universal_plus")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_names_do_not_parse(string? wire)
    {
        Assert.False(WireName.TryParse<ServiceLevel>(wire, out _));
    }

    private static void AssertRoundTrip<T>(int expectedCount)
        where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        Assert.Equal(expectedCount, values.Length);
        foreach (var value in values)
        {
            var wire = value.ToWireName();
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", wire);
            Assert.Equal(value, WireName.Parse<T>(wire));
        }
    }
}
