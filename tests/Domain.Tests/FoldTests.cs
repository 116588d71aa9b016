using System.Collections.Immutable;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

public sealed class FoldTests
{
    /// <summary>A family with two children, enough events to overflow the history, and tricky concern orders.</summary>
    internal static List<ContactEvent> RealisticFamily()
    {
        var events = RealisticChild();
        events.AddRange(
        [
            Event("f-01", Day(2023, 8, 20), new FamilyRegistered("queens-park", Housing.SocialRented, YoungParent: true, GpRegistered: false,
                Members: [new FamilyMember("m-1", MemberRole.Parent)]), childId: null),
            Event("f-02", Day(2024, 1, 5), new FamilyDetailsChanged(Housing: Housing.Overcrowded, Members: [new FamilyMember("m-1", MemberRole.Carer), new FamilyMember("m-2", MemberRole.Parent)]), childId: null),
            Event("f-03", Day(2024, 1, 5), new FamilyDetailsChanged(GpRegistered: true), childId: null),
            Event("f-04", Day(2025, 2, 1), new ConcernRaised(Concern.DomesticAbuse), childId: null),
            Event("f-05", Day(2025, 3, 1), new ConcernResolved(Concern.DomesticAbuse), childId: null),
            Event("f-06", Day(2025, 4, 1), new ConcernRaised(Concern.DomesticAbuse), childId: "c-2"),
            Event("f-07", Day(2025, 4, 2), new ConcernRaised(Concern.DomesticAbuse), childId: null),
            Event("f-08", Day(2025, 5, 1), new ChampionOutreach("ch-1", "childrens-centre"), childId: null),
            Event("f-09", Day(2025, 6, 1), new ChampionOutreach("ch-1"), childId: null),
            Event("f-10", Day(2025, 6, 1), new ChampionOutreach("ch-2", "maternity-drop-in"), childId: null),
            Event("f-11", Day(2025, 6, 2), new SurveyCompleted("ch-1", new[] { ("health-visiting", 4), ("childrens-centre", 5) }
                .ToImmutableSortedDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal)), childId: null),
            Event("f-12", Day(2025, 7, 1), new ServiceLevelSet(ServiceLevel.UniversalPlus, "Agreed after the review"), childId: null) with { Practitioner = "hv-amira" },
            Event("f-13", Day(2025, 7, 1), new ServiceLevelSet(ServiceLevel.UniversalPartnershipPlus, "Domestic abuse concern"), childId: null, recordedBy: "service:childrens-centre"),
            Event("f-14", Day(2025, 8, 1), new BirthNotified(new DateOnly(2025, 7, 30), "queens-park"), childId: "c-2"),
            Event("f-15", Day(2025, 8, 3), new ReferralMade("r-9", "health-visiting", "midwifery"), childId: null),
        ]);
        for (var i = 0; i < 30; i++)
        {
            events.Add(Event($"s-{i:00}", Day(2025, 9, 1).AddDays(i * 3), new SessionAttended("maternity-drop-in"), childId: i % 3 == 0 ? "c-2" : null));
        }

        return events;
    }

    [Fact]
    public void Child_fold_is_commutative_and_idempotent()
    {
        var events = RealisticChild();
        var expected = ChildState.Fold("c-1", events);
        var random = new Random(20261120);
        for (var round = 0; round < 100; round++)
        {
            var state = ChildState.Fold("c-1", ShuffleWithDuplicates(events, random));

            Assert.Equal(expected, state);
            Assert.Equal(expected.ToCanonicalJson(), state.ToCanonicalJson());
        }

        Assert.Equal(events.Count, expected.Version);
    }

    [Fact]
    public void Family_fold_is_commutative_and_idempotent()
    {
        var events = RealisticFamily();
        var expected = FamilyState.Fold("f-1", events);
        var random = new Random(42);
        for (var round = 0; round < 100; round++)
        {
            var state = FamilyState.Fold("f-1", ShuffleWithDuplicates(events, random));

            Assert.Equal(expected, state);
            Assert.Equal(expected.ToCanonicalJson(), state.ToCanonicalJson());
        }

        Assert.Equal(events.Count, expected.Version);
    }

    [Fact]
    public void Equality_notices_a_missing_event()
    {
        var events = RealisticChild();
        var all = ChildState.Fold("c-1", events);

        for (var skip = 0; skip < events.Count; skip++)
        {
            var without = ChildState.Fold("c-1", events.Where((_, i) => i != skip));
            Assert.NotEqual(all, without);
            Assert.NotEqual(all.ToCanonicalJson(), without.ToCanonicalJson());
        }
    }

    [Fact]
    public void Child_state_holds_what_the_rules_need()
    {
        var child = ChildState.Fold("c-1", RealisticChild());

        Assert.Equal("f-1", child.FamilyId);
        Assert.Equal(new DateOnly(2024, 3, 10), child.DateOfBirth);
        Assert.True(child.KnownFromBirthRecord);
        Assert.Equal("e-26", child.BirthEventId);
        Assert.Equal("harrow-road", child.WardCode);
        Assert.Equal(new DateOnly(2024, 3, 15), child.ExpectedDueDate);
        Assert.Equal(14, child.GestationAtBooking);
        Assert.Equal("e-01", child.BookingEventId);
        Assert.Equal(5, child.Reviews.Count);
        Assert.Equal("e-17", child.FirstCompletion(MandatedReview.OneYear)!.EventId);
        Assert.Equal("e-24", child.LatestAsq3()!.EventId);
        Assert.Equal(["e-05", "e-20", "e-21"], child.MissedAppointments.Select(m => m.EventId));
        Assert.Equal(["e-14", "e-15", "e-16"], child.AeAttendances.Select(m => m.EventId));
        Assert.True(child.RegisteredWithCentre);
        Assert.Equal("e-25", child.LastSeenByCentre!.EventId);
        Assert.Equal(
            [new ImmunisationRecord("6-in-1", true, Day(2024, 7, 10), "e-09"), new ImmunisationRecord("MMR", false, Day(2025, 3, 12), "e-10")],
            child.LatestPerVaccine());
        var referral = Assert.Single(child.Referrals);
        Assert.Equal(ReferralStatus.Accepted, referral.Status);
        Assert.Equal("e-19", referral.EventId);
    }

    [Fact]
    public void Missed_vaccines_are_those_whose_latest_record_is_missed_in_vaccine_order()
    {
        // MMR missed then given, 6-in-1 given then missed, Rotavirus and "4-in-1" missed once each,
        // arriving out of time order; by time the missed ones are v-5, v-6, v-4.
        var child = ChildState.Fold("c-1",
        [
            Event("v-1", Day(2024, 5, 1), new ImmunisationMissed("MMR")),
            Event("v-2", Day(2024, 6, 1), new ImmunisationGiven("MMR")),
            Event("v-4", Day(2024, 7, 1), new ImmunisationMissed("6-in-1")),
            Event("v-3", Day(2024, 4, 1), new ImmunisationGiven("6-in-1")),
            Event("v-5", Day(2024, 2, 1), new ImmunisationMissed("Rotavirus")),
            Event("v-6", Day(2024, 3, 1), new ImmunisationMissed("4-in-1")),
        ]);

        Assert.Equal(["v-6", "v-4", "v-5"], child.MissedVaccineEventIds());
        Assert.Equal(
            child.LatestPerVaccine().Where(i => !i.Given).Select(i => i.EventId),
            child.MissedVaccineEventIds());
        Assert.Empty(ChildState.Fold("c-2", [Event("v-7", Day(2024, 5, 1), new ImmunisationGiven("MMR"))]).MissedVaccineEventIds());
    }

    [Fact]
    public void Later_correction_wins_whichever_arrives_first()
    {
        var first = Event("a", Day(2024, 1, 1), new PregnancyBooked(new DateOnly(2024, 6, 1), 11));
        var correction = Event("b", Day(2024, 1, 2), new PregnancyBooked(new DateOnly(2024, 6, 8), 13));

        var inOrder = new ChildState("c-1").Apply(first).Apply(correction);
        var reversed = new ChildState("c-1").Apply(correction).Apply(first);

        Assert.Equal(inOrder, reversed);
        Assert.Equal(13, inOrder.GestationAtBooking);
        Assert.Equal("b", inOrder.BookingEventId);
    }

    [Fact]
    public void Ties_on_time_are_broken_by_event_id()
    {
        var at = Day(2024, 1, 1);
        var a = Event("a", at, new BirthNotified(new DateOnly(2023, 12, 30), "ward-a"));
        var b = Event("b", at, new BirthNotified(new DateOnly(2023, 12, 30), "ward-b"));

        Assert.Equal("ward-b", new ChildState("c-1").Apply(a).Apply(b).WardCode);
        Assert.Equal("ward-b", new ChildState("c-1").Apply(b).Apply(a).WardCode);
    }

    [Fact]
    public void A_duplicate_returns_the_same_state()
    {
        var state = ChildState.Fold("c-1", RealisticChild());

        Assert.Same(state, state.Apply(RealisticChild()[3]));
    }

    [Fact]
    public void Events_for_someone_else_are_refused_by_apply_and_skipped_by_fold()
    {
        var other = Event("x", Day(2024, 1, 1), new AeAttendance(), childId: "c-9", familyId: "f-9");

        Assert.Throws<ArgumentException>(() => new ChildState("c-1").Apply(other));
        Assert.Throws<ArgumentException>(() => new FamilyState("f-1").Apply(other));
        Assert.Equal(0, ChildState.Fold("c-1", [other]).Version);
        Assert.Equal(0, FamilyState.Fold("f-1", [other]).Version);
    }

    [Theory]
    // raise then resolve: closed; resolve then later raise: open from the raise.
    [InlineData("raise:1,resolve:2", null)]
    [InlineData("resolve:2,raise:1", null)]
    [InlineData("raise:1,resolve:2,raise:3", 3)]
    [InlineData("raise:3,resolve:2,raise:1", 3)]
    [InlineData("raise:1,raise:3", 1)]
    [InlineData("resolve:5,raise:3,raise:4", null)]
    [InlineData("raise:4,resolve:2,resolve:5,raise:6", 6)]
    public void Concerns_open_and_close_by_time_not_arrival(string script, int? openSinceDay)
    {
        var family = new FamilyState("f-1");
        foreach (var step in script.Split(','))
        {
            var (verb, day) = (step.Split(':')[0], int.Parse(step.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            EventData data = verb == "raise" ? new ConcernRaised(Concern.Housing) : new ConcernResolved(Concern.Housing);
            family = family.Apply(Event($"{verb}-{day}", Day(2025, 1, day), data, childId: null));
        }

        var open = family.OpenConcerns;
        if (openSinceDay is { } since)
        {
            Assert.Equal(Day(2025, 1, since), Assert.Single(open).RaisedOn);
        }
        else
        {
            Assert.Empty(open);
        }
    }

    [Fact]
    public void Family_state_holds_what_the_team_needs()
    {
        var family = FamilyState.Fold("f-1", RealisticFamily());

        Assert.Equal("queens-park", family.WardCode);
        Assert.Equal(Housing.Overcrowded, family.Housing!.Value);
        Assert.True(family.YoungParent!.Value);
        Assert.True(family.GpRegistered!.Value);
        Assert.Equal(["c-1", "c-2"], family.ChildIds);
        Assert.Equal([("m-1", MemberRole.Carer), ("m-2", MemberRole.Parent)], family.Members.Select(m => (m.MemberId, m.Role)));

        var open = family.OpenConcerns;
        var abuse = Assert.Single(open, c => c.Concern == Concern.DomesticAbuse);
        Assert.Equal(Day(2025, 4, 1), abuse.RaisedOn);
        Assert.Equal(["f-06", "f-07"], abuse.EventIds);
        Assert.DoesNotContain(open, c => c.Concern == Concern.MaternalMentalHealth);

        var champion = Assert.Single(family.Champions, c => c.ChampionId == "ch-1");
        Assert.Equal(Day(2025, 6, 1), champion.LastOutreach);
        Assert.Equal(["childrens-centre"], champion.SignpostedTo);
        Assert.Equal(["f-08", "f-09"], champion.EventIds);

        Assert.Equal(ServiceLevel.UniversalPartnershipPlus, family.SetLevel!.Value.Level);
        Assert.Equal("service:childrens-centre", family.SetLevel.Value.RecordedBy);
        Assert.Equal("f-13", family.SetLevel.EventId);
        Assert.Equal(5, Assert.Single(family.Surveys).Satisfaction.Single(s => s.Service == "childrens-centre").Score);
        Assert.Equal(33, family.SessionsAttended.Count);
    }

    [Fact]
    public void A_level_decision_names_its_practitioner_in_the_state_and_in_its_history_line_and_an_older_one_names_its_team()
    {
        const string Team = "service:early-intervention";
        var older = Event("d-1", Day(2025, 7, 1), new ServiceLevelSet(ServiceLevel.UniversalPlus, "Agreed after the review"), childId: null, recordedBy: Team);
        var first = Event("d-2", Day(2025, 8, 1), new ServiceLevelSet(ServiceLevel.UniversalPartnershipPlus, "Domestic abuse concern"), childId: null, recordedBy: Team) with { Practitioner = "ei-amira" };
        var second = Event("d-3", Day(2025, 9, 1), new ServiceLevelSet(ServiceLevel.UniversalPlus, "Stepped down after the strategy meeting"), childId: null, recordedBy: Team) with { Practitioner = "ei-ben" };

        // Two practitioners of one team in turn after a decision stored before decisions named one, arriving in any order.
        var family = FamilyState.Fold("f-1", [second, older, first, second]);
        var onlyTheOlder = FamilyState.Fold("f-1", [older]);

        Assert.Equal(new LevelDecision(ServiceLevel.UniversalPlus, "Stepped down after the strategy meeting", Team, "ei-ben"), family.SetLevel!.Value);
        Assert.Equal("d-3", family.SetLevel.EventId);
        Assert.Equal(
            [("d-1", Team, (string?)null), ("d-2", Team, "ei-amira"), ("d-3", Team, "ei-ben")],
            family.RecentHistory.Select(h => (h.EventId, h.RecordedBy, h.Practitioner)));
        Assert.Equal(new LevelDecision(ServiceLevel.UniversalPlus, "Agreed after the review", Team, null), onlyTheOlder.SetLevel!.Value);
        Assert.Equal(family, FamilyState.FromCanonicalJson(family.ToCanonicalJson()));
    }

    [Fact]
    public void History_keeps_the_fifty_latest_in_time_order()
    {
        var events = RealisticFamily();
        var family = FamilyState.Fold("f-1", events);

        Assert.Equal(FamilyState.HistoryLength, family.RecentHistory.Count);
        var latest = events.OrderBy(e => e.OccurredAt).ThenBy(e => e.EventId, StringComparer.Ordinal).TakeLast(50).Select(e => e.EventId);
        Assert.Equal(latest, family.RecentHistory.Select(h => h.EventId));
        Assert.Equal(new HistoryEntry(Day(2026, 4, 2), EventTypes.SessionAttended, "e-25", Recorder), family.RecentHistory[^1]);
    }

    [Fact]
    public void Canonical_json_reads_back_to_an_equal_state()
    {
        var child = ChildState.Fold("c-1", RealisticChild());
        var family = FamilyState.Fold("f-1", RealisticFamily());

        Assert.Equal(child, ChildState.FromCanonicalJson(child.ToCanonicalJson()));
        Assert.Equal(family, FamilyState.FromCanonicalJson(family.ToCanonicalJson()));
        Assert.Equal(child.ToCanonicalJson(), ChildState.FromCanonicalJson(child.ToCanonicalJson()).ToCanonicalJson());
    }

    [Fact]
    public void A_late_event_applied_to_a_folded_state_equals_a_full_rebuild()
    {
        var events = RealisticFamily();
        var late = events[10];
        var withoutLate = FamilyState.Fold("f-1", events.Where(e => e != late));

        Assert.Equal(FamilyState.Fold("f-1", events), withoutLate.Apply(late));
    }

    private static List<ContactEvent> ShuffleWithDuplicates(List<ContactEvent> events, Random random)
    {
        var copy = new List<ContactEvent>(events);
        var duplicates = random.Next(1, 10);
        for (var i = 0; i < duplicates; i++)
        {
            // A re-sent event is a new object with the same id and content, received later.
            var original = events[random.Next(events.Count)];
            copy.Add(original with { ReceivedAt = original.ReceivedAt.AddHours(1) });
        }

        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(copy));
        return copy;
    }
}
