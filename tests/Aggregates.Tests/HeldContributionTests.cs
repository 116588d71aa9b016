using System.Text;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>The ward's own copy of a contribution: what it holds after each replacement, and what it matches.</summary>
public sealed class HeldContributionTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static WardContribution Family(long version, string payload) =>
        new("family:held-f1", "queens-park", ContributionKind.Family, version, Encoding.UTF8.GetBytes(payload));

    [Fact]
    public void Each_replacement_leaves_exactly_the_newest_payload_whether_it_grew_or_shrank()
    {
        var longer = """{"familyId":"held-f1","score":12.5,"openConcerns":["housing","domestic-abuse"],"note":"ŵ café – ünïcode"}""";
        var shorter = """{"familyId":"held-f1","score":1}""";
        var held = new HeldContribution(Family(1, shorter));

        held.Replace(Family(2, longer));
        Assert.Equal(2, held.Version);
        Assert.Equal(longer, Encoding.UTF8.GetString(held.Payload));

        held.Replace(Family(3, shorter));
        Assert.Equal(3, held.Version);
        Assert.Equal(shorter, Encoding.UTF8.GetString(held.Payload));
        Assert.Equal(ContributionKind.Family, held.Kind);
    }

    [Fact]
    public void It_matches_only_the_same_text()
    {
        var payload = """{"familyId":"held-f1","note":"café"}""";
        var held = new HeldContribution(Family(1, payload));

        Assert.True(held.Holds(Utf8(payload)));
        Assert.False(held.Holds(Utf8("""{"familyId":"held-f1","note":"cafe"}""")));
        Assert.False(held.Holds(Utf8("""{"familyId":"held-f1","note":"café","x":1}""")));
        Assert.False(held.Holds([]));
    }

    [Fact]
    public void After_a_longer_payload_a_shorter_one_matches_only_itself()
    {
        // The buffer keeps the longer payload's room: what lies past the shorter one must not count.
        var longer = "{\"note\":\"" + new string('a', 502) + "😀" + new string('b', 700) + "\"}";
        var shorter = longer[..600] + "\"}";
        var held = new HeldContribution(Family(1, longer));
        held.Replace(Family(2, shorter));

        Assert.True(held.Holds(Utf8(shorter)));
        Assert.False(held.Holds(Utf8(longer)));
        Assert.False(held.Holds(Utf8(shorter[..^3] + "c\"}")));
        Assert.False(held.Holds(Utf8(shorter + " ")));
        Assert.Equal(shorter, Encoding.UTF8.GetString(held.Payload));
    }

    [Fact]
    public void What_it_gives_back_is_the_contribution_it_holds()
    {
        var payload = """{"familyId":"held-f1","score":4}""";
        var held = new HeldContribution(Family(7, payload));

        Assert.Equal(Family(7, payload), held.ToContribution("family:held-f1", "queens-park"));
        Assert.Equal(4.0, ContributionJson.Deserialize<FamilyContribution>(held.Payload).Score);
    }
}
