using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>The ward's own copy of a contribution: what it holds after each replacement, and what it matches.</summary>
public sealed class HeldContributionTests
{
    private static WardContribution Family(long version, string payload) =>
        new("family:held-f1", "queens-park", ContributionKind.Family, version, payload);

    [Fact]
    public void Each_replacement_leaves_exactly_the_newest_payload_whether_it_grew_or_shrank()
    {
        var longer = """{"familyId":"held-f1","score":12.5,"openConcerns":["housing","domestic-abuse"],"note":"ŵ café – ünïcode"}""";
        var shorter = """{"familyId":"held-f1","score":1}""";
        var held = new HeldContribution(Family(1, shorter));

        held.Replace(Family(2, longer));
        Assert.Equal(2, held.Version);
        Assert.Equal(longer, System.Text.Encoding.UTF8.GetString(held.Payload));

        held.Replace(Family(3, shorter));
        Assert.Equal(3, held.Version);
        Assert.Equal(shorter, System.Text.Encoding.UTF8.GetString(held.Payload));
        Assert.Equal(ContributionKind.Family, held.Kind);
    }

    [Fact]
    public void It_matches_only_the_same_text()
    {
        var payload = """{"familyId":"held-f1","note":"café"}""";
        var held = new HeldContribution(Family(1, payload));

        Assert.True(held.Holds(payload));
        Assert.False(held.Holds("""{"familyId":"held-f1","note":"cafe"}"""));
        Assert.False(held.Holds("""{"familyId":"held-f1","note":"café","x":1}"""));
        Assert.False(held.Holds(string.Empty));
    }

    [Fact]
    public void It_compares_payloads_longer_than_its_stack_buffer_with_a_character_across_the_boundary()
    {
        // 511 bytes, then a character of four UTF-8 bytes that cannot fit in the first 512-byte chunk.
        var payload = "{\"note\":\"" + new string('a', 502) + "😀" + new string('b', 700) + "\"}";
        var held = new HeldContribution(Family(1, payload));

        Assert.True(held.Holds(payload));
        Assert.False(held.Holds(payload.Replace("😀", "😁", StringComparison.Ordinal)));
        Assert.False(held.Holds(payload[..^3] + "c\"}"));
        Assert.False(held.Holds(payload[..600]));
        Assert.False(held.Holds(payload + " "));
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
