using System.Text;
using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

public sealed class WardProfileSetTests
{
    private const string Minimal = """
        {
          "version": 3,
          "defaults": { "rates": { "siblingShare": 0.2, "concernShares": { "housing": 0.1 } } },
          "wards": [
            { "code": "test-ward", "name": "Test", "idPrefix": "tw", "centreId": "tw-cc", "residents": 100,
              "socialHousingShare": 0.5, "birthsPerYear": 10, "communityChampions": 2, "maternityChampions": 1,
              "centreRegistrationShare": SHARE, "surveysPerYear": 1, "rates": { "siblingShare": 0.4 } }
          ]
        }
        """;

    private static WardProfileSet Load(string json) => WardProfileSet.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void The_embedded_presets_are_the_four_north_westminster_wards()
    {
        var set = WardProfileSet.Default;

        Assert.Equal(1, set.Version);
        Assert.Equal(["queens-park", "harrow-road", "westbourne", "church-street"], set.Codes);
        var pilot = set.Resolve("queens-park");
        Assert.Equal(0.864, pilot.Rates.NewBirthVisitWithin14Days);
        Assert.Equal(0.815, pilot.Rates.SixToEightWeekBy8Weeks);
        Assert.Equal(0.912, pilot.Rates.TwoYearWithAsq3);
        Assert.Equal("ch-03", pilot.CommunityChampionId(3));
    }

    [Fact]
    public void The_data_file_is_also_copied_next_to_the_assembly()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Generation", "Data", "ward-profiles.v1.json");

        Assert.Equal(WardProfileSet.Default.Codes, WardProfileSet.LoadFile(path).Codes);
    }

    [Fact]
    public void A_ward_overrides_single_default_rates()
    {
        var ward = Load(Minimal.Replace("SHARE", "0.6", StringComparison.Ordinal)).Resolve("test-ward");

        Assert.Equal(3, Load(Minimal.Replace("SHARE", "0.6", StringComparison.Ordinal)).Version);
        Assert.Equal(0.4, ward.Rates.SiblingShare);
        Assert.Equal(0.1, ward.Rates.ConcernShares["housing"]);
        Assert.Equal(0.6, ward.CentreRegistrationShare);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void Shares_outside_zero_to_one_are_refused(string share)
    {
        Assert.Throws<InvalidDataException>(() => Load(Minimal.Replace("SHARE", share, StringComparison.Ordinal)));
    }

    [Fact]
    public void Synthetic_wards_copy_the_pilot_with_their_own_ids()
    {
        var set = WardProfileSet.Default;

        var copy = set.Resolve("syn-ward-012");

        Assert.Equal("syn-ward-012", copy.Code);
        Assert.Equal("w012", copy.IdPrefix);
        Assert.Equal("w012-ch-01", copy.CommunityChampionId(1));
        Assert.Equal(set.Resolve("queens-park").BirthsPerYear, copy.BirthsPerYear);
        Assert.Equal(["westbourne", "queens-park", "harrow-road", "church-street", "syn-ward-001", "syn-ward-002"], set.Expand(["westbourne"], 6));
        Assert.Equal(["queens-park", "harrow-road"], set.Expand(["queens-park"], 2));
    }
}
