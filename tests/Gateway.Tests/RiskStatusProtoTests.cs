using QpActors.Gateway.Grpc;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>The gRPC risk read maps a family's view once and answers later reads of the same view from it.</summary>
public sealed class RiskStatusProtoTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static FamilyRiskStatus Status(string familyId, long version, double score, int children = 1)
    {
        var factors = new[] { new FactorView("ae-attendances", "A&E attendances in the last 12 months", 2, ["e-1", "e-2"], "c-1") };
        var kids = Enumerable.Range(1, children)
            .Select(i => new ChildRiskView($"c-{i}", familyId, new DateOnly(2025, 1, i), null, score, "universal-plus", factors, [], "v1", version, []))
            .ToArray();
        return new FamilyRiskStatus(
            familyId, "queens-park", score, "universal-plus",
            new LevelDecision("universal-plus", "agreed at the review", "hv-1", At, "e-9"),
            factors, kids, [new OverdueReviewView("c-1", "1-year", At.AddDays(-30))],
            [new ConcernView("housing", At.AddDays(-40), "e-7")],
            [new RiskChange(At, score, "universal-plus", 0, "universal", "e-2")],
            [new HistoryEntry(At, "ae-attendance", "e-2", "service:health-visiting")],
            "v1", version, At, Synthetic: false);
    }

    [Fact]
    public void A_later_read_of_the_same_view_is_the_full_mapping_with_its_own_instant()
    {
        var first = Status("f-1", 3, 4.5);
        var later = first with { AsOf = At.AddMinutes(5) };

        var a = ProtoMapping.ToProtoReusingView(first);
        var b = ProtoMapping.ToProtoReusingView(later);

        Assert.Equal(ProtoMapping.ToProto(first), a);
        Assert.Equal(ProtoMapping.ToProto(later), b);
        Assert.NotEqual(a.AsOf, b.AsOf);
        Assert.Same(a.Children[0], b.Children[0]);
    }

    [Fact]
    public void A_new_view_is_mapped_afresh()
    {
        var before = Status("f-2", 3, 4.5);
        var after = Status("f-2", 4, 6.0);
        _ = ProtoMapping.ToProtoReusingView(before);

        var mapped = ProtoMapping.ToProtoReusingView(after);

        Assert.Equal(ProtoMapping.ToProto(after), mapped);
        Assert.Equal(6.0, mapped.Score);
    }

    [Fact]
    public void Lists_shared_by_another_status_never_answer_for_it()
    {
        var one = Status("f-3", 2, 1.0);
        var other = one with { FamilyId = "f-4", Version = 7 };
        _ = ProtoMapping.ToProtoReusingView(one);

        Assert.Equal(ProtoMapping.ToProto(other), ProtoMapping.ToProtoReusingView(other));
        var childless = Status("f-5", 1, 0, children: 0);
        Assert.Equal(ProtoMapping.ToProto(childless), ProtoMapping.ToProtoReusingView(childless));
    }
}
