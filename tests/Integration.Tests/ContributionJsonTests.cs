using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Time.Testing;
using QpActors.Domain;
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
    public void One_more_contact_changes_only_a_short_span_near_the_start_of_a_childs_json()
    {
        // The journal's rewrite of a ward entry logs only the span between the first and the last byte that differ
        // (schema 0005), so what a contact changes must come first and what it never changes last.
        var today = new DateOnly(2026, 11, 20);
        var contacts = new Contacts(new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero)), "span");
        var tallies = new ServiceTallies();
        tallies.Add(contacts.Birth("span-f", "span-c", new DateOnly(2025, 9, 1)), ProgrammeCalendar.QueensPark);
        for (var month = 0; month < 12; month++)
        {
            var at = new DateTimeOffset(2025, 11, 3, 10, 0, 0, TimeSpan.Zero).AddMonths(month);
            tallies.Add(contacts.Review("span-f", "span-c", "1-year", at), ProgrammeCalendar.QueensPark);
            tallies.Add(contacts.Registered("span-f", "span-c", at.AddDays(1)), ProgrammeCalendar.QueensPark);
        }

        var before = Child(tallies.Snapshot(today));
        tallies.Add(contacts.Registered("span-f", "span-c", new DateTimeOffset(2026, 11, 19, 9, 0, 0, TimeSpan.Zero)), ProgrammeCalendar.QueensPark);
        var after = Child(tallies.Snapshot(today));

        var prefix = 0;
        while (prefix < Math.Min(before.Length, after.Length) && before[prefix] == after[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < Math.Min(before.Length, after.Length) - prefix && before[^(suffix + 1)] == after[^(suffix + 1)])
        {
            suffix++;
        }

        var json = Encoding.UTF8.GetString(after);
        Assert.True(prefix < after.Length, "the contact changed the JSON");
        Assert.True(after.Length - suffix <= 128, $"changed span {prefix}..{after.Length - suffix} of {after.Length} bytes: {json}");
        Assert.StartsWith("""{"score":4.5,"suggestedLevel":"universal-plus","services":[{"lastContact":"2026-11-19","contactsByMonth":{"2026-11":1,"2026-10":1,""", json, StringComparison.Ordinal);

        static byte[] Child(IReadOnlyList<ServiceContactTally> services) => ContributionJson.Serialize(new ChildContribution(
            "span-c", "span-f", "queens-park", true, new DateOnly(2025, 9, 1), null, null, null, new DateOnly(2025, 9, 12), null, null, null,
            false, new DateOnly(2025, 11, 4), new DateOnly(2026, 10, 4), 4.5, "universal-plus", [], services, 0, false));
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

/// <summary>A family's entry carries when its risk and level last changed; entries written before it did still read.</summary>
public sealed class FamilyChangeMarksJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [Fact]
    public void The_change_marks_are_written_first_as_by_reflection_and_read_back()
    {
        var changed = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.FromHours(1));
        var family = new FamilyContribution("f1", "queens-park", 7, "universal-plus", null, 0, ["housing"], ["concern-housing"],
            [], [], 0, [], false, [], new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), false, 0,
            changed, changed.AddHours(-2), "universal");

        var utf8 = ContributionJson.Serialize(family);
        var json = Encoding.UTF8.GetString(utf8);

        Assert.Equal(JsonSerializer.Serialize(family, Reflection), json);
        Assert.StartsWith("""{"riskChangedAt":"2026-11-20T10:00:00+01:00","levelChangedAt":"2026-11-20T08:00:00+01:00","levelChangedFrom":"universal","updatedAt":""", json, StringComparison.Ordinal);
        Assert.Equal(family, ContributionJson.Deserialize<FamilyContribution>(utf8), new SameMarks());
    }

    [Fact]
    public void An_entry_written_before_the_marks_reads_with_none()
    {
        const string earlier = """{"updatedAt":"2026-05-30T10:00:00+00:00","score":6,"suggestedLevel":"universal-plus","overdueReviews":0,"topFactors":[],"openConcerns":[],"familyId":"f1","wardCode":"queens-park","childIds":[],"champions":[],"outreachContacts":0,"signpostedTo":[],"signpostedThenReached":false,"surveys":[],"synthetic":false}""";

        var family = ContributionJson.Deserialize<FamilyContribution>(Encoding.UTF8.GetBytes(earlier));

        Assert.Equal(6, family.Score);
        Assert.Null(family.RiskChangedAt);
        Assert.Null(family.LevelChangedAt);
        Assert.Null(family.LevelChangedFrom);
        Assert.Null(family.SurveysCompleted);
    }

    [Fact]
    public void An_entry_that_knows_its_change_times_says_so_last_even_when_the_risk_never_changed()
    {
        var neverChanged = new FamilyContribution("f1", "queens-park", 0, "universal", null, 0, [], [],
            [], [], 0, [], false, [], new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), false, 0);
        const string Earlier = """{"updatedAt":"2026-05-30T10:00:00+00:00","score":0,"suggestedLevel":"universal","overdueReviews":0,"topFactors":[],"openConcerns":[],"familyId":"f1","wardCode":"queens-park","childIds":[],"champions":[],"outreachContacts":0,"signpostedTo":[],"signpostedThenReached":false,"surveys":[],"synthetic":false,"surveysCompleted":0}""";

        var utf8 = ContributionJson.Serialize(neverChanged);
        var json = Encoding.UTF8.GetString(utf8);

        // Last, with what never changes, so a contact's rewrite of the entry logs no more of it.
        Assert.EndsWith(""","changeTimesKnown":true}""", json, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(neverChanged, Reflection), json);
        Assert.True(FamilyContribution.KnowsChangeTimes(utf8));
        Assert.False(FamilyContribution.KnowsChangeTimes(Encoding.UTF8.GetBytes(Earlier)));
        Assert.Null(ContributionJson.Deserialize<FamilyContribution>(utf8).RiskChangedAt);

        // A ward parses each changed entry once per read: the flag costs that parse no allocation.
        Assert.Equal(Allocated(Encoding.UTF8.GetBytes(Earlier)), Allocated(utf8));
    }

    private static long Allocated(byte[] entry)
    {
        ContributionJson.Deserialize<FamilyContribution>(entry);
        var before = GC.GetAllocatedBytesForCurrentThread();
        ContributionJson.Deserialize<FamilyContribution>(entry);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private sealed class SameMarks : IEqualityComparer<FamilyContribution>
    {
        public bool Equals(FamilyContribution? x, FamilyContribution? y) =>
            x is not null && y is not null &&
            x.RiskChangedAt == y.RiskChangedAt && x.RiskChangedAt?.Offset == y.RiskChangedAt?.Offset &&
            x.LevelChangedAt == y.LevelChangedAt && x.LevelChangedFrom == y.LevelChangedFrom && x.Score == y.Score;

        public int GetHashCode(FamilyContribution obj) => 0;
    }
}
