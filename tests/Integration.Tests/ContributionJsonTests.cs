using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using QpActors.Grains;

namespace QpActors.Integration.Tests;

/// <summary>The source-generated contribution JSON must be the text wards have always read.</summary>
public sealed class ContributionJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [Fact]
    public void A_child_contribution_is_written_as_by_reflection_and_reads_back_equal()
    {
        var tally = new ServiceContactTally("health-visiting", new DateOnly(2026, 10, 2), new Dictionary<string, int> { ["2026-09"] = 2, ["2026-10"] = 1 }, 1, 2, 1, new Dictionary<string, int> { ["2026-10"] = 1 });
        var child = new ChildContribution("c1", null, "queens-park", true, new DateOnly(2025, 1, 2), null, 11,
            null, new DateOnly(2025, 1, 10), null, new DateOnly(2026, 1, 3), null, false, new DateOnly(2025, 3, 1), new DateOnly(2026, 10, 2),
            4.5, "universal-plus", ["2-year"], [tally], 2, false);

        var utf8 = ContributionJson.Serialize(child);
        var json = Encoding.UTF8.GetString(utf8);
        Assert.Equal(JsonSerializer.Serialize(child, Reflection), json);
        var back = ContributionJson.Deserialize<ChildContribution>(utf8);
        Assert.Equal(utf8, ContributionJson.Serialize(back));
        Assert.DoesNotContain("familyId", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_family_contribution_is_written_as_by_reflection()
    {
        var family = new FamilyContribution("f1", "queens-park", 7, "universal-partnership-plus", "universal-plus", 1, ["housing"], ["overdue-reviews"],
            ["c1", "c2"], ["champ-1"], 3, ["childrens-centre"], true, [new SurveyScore("health-visiting", 4)],
            new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), false, 1);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(family, Reflection), ContributionJson.Serialize(family));
    }
}
