using QpActors.Domain.Events;
using QpActors.Domain.Model;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

/// <summary>
/// <c>entered-in-error</c>: a state holding marks is the fold of the events nobody marked, in any arrival order, as the
/// grains apply them (one at a time, folding again from the events when a mark comes after its event).
/// </summary>
public sealed class MarksInErrorTests
{
    private static ContactEvent Mark(string markId, string markedId, string? childId = "c-1", string recordedBy = Recorder, string reason = "Recorded on the wrong child") =>
        Event(markId, Day(2026, 5, 1), new EnteredInError(markedId, reason), childId, recordedBy: recordedBy);

    /// <summary>The child's events with a duplicated A&amp;E attendance, a missed appointment and the midwife's birth record marked.</summary>
    private static (List<ContactEvent> All, List<ContactEvent> Unmarked) ChildWithMarks()
    {
        var events = RealisticChild();
        events.Add(Event("e-15-twice", Day(2025, 6, 3), new AeAttendance("burn")));
        var marks = new[]
        {
            Mark("m-1", "e-15-twice", reason: "The phone posted the visit twice"),
            Mark("m-2", "e-05"),
            Mark("m-3", "e-26", recordedBy: "service:midwifery"),
        };
        var marked = new HashSet<string>(["e-15-twice", "e-05", "e-26"], StringComparer.Ordinal);
        var unmarked = events.Where(e => !marked.Contains(e.EventId)).ToList();
        events.AddRange(marks);
        return (events, unmarked);
    }

    /// <summary>As a grain applies events: one at a time, folding again from everything seen when a mark follows its event.</summary>
    private static ChildState ApplyOneByOne(string childId, IEnumerable<ContactEvent> events)
    {
        var seen = new List<ContactEvent>();
        var state = new ChildState(childId);
        foreach (var contact in events)
        {
            seen.Add(contact);
            state = state.Apply(contact);
            if (state.NeedsRebuild)
            {
                state = ChildState.Fold(childId, seen);
            }
        }

        return state;
    }

    private static FamilyState ApplyOneByOne(FamilyState state, IEnumerable<ContactEvent> events)
    {
        var seen = new List<ContactEvent>();
        foreach (var contact in events)
        {
            seen.Add(contact);
            state = state.Apply(contact);
            if (state.NeedsRebuild)
            {
                state = FamilyState.Fold(state.FamilyId, seen);
            }
        }

        return state;
    }

    [Fact]
    public void A_child_with_marks_holds_what_the_unmarked_events_give_in_any_order()
    {
        var (all, unmarked) = ChildWithMarks();
        var expected = ChildState.Fold("c-1", all);
        var plain = ChildState.Fold("c-1", unmarked);

        // Everything the rules and the figures read is as if the marked events had never been recorded.
        Assert.Equal(plain.AeAttendances, expected.AeAttendances);
        Assert.Equal(plain.MissedAppointments, expected.MissedAppointments);
        Assert.Equal(plain.Ward, expected.Ward);
        Assert.Equal(plain.Reviews, expected.Reviews);
        Assert.Equal(2, expected.AeAttendancesSince(Day(2025, 6, 1)));
        Assert.Equal("queens-park", expected.WardCode);

        // The marks and the marked events keep their ids: a repeat of either is a duplicate.
        Assert.Equal(all.Count, expected.Version);
        Assert.Equal(["e-05", "e-15-twice", "e-26"], expected.MarkedInError.Select(m => m.MarkedEventId));
        Assert.Equal("The phone posted the visit twice", expected.MarkedInError.Single(m => m.MarkEventId == "m-1").Reason);
        Assert.False(expected.NeedsRebuild);

        var random = new Random(28);
        for (var round = 0; round < 100; round++)
        {
            var state = ApplyOneByOne("c-1", FoldTestsShuffle(all, random));

            Assert.Equal(expected, state);
            Assert.False(state.NeedsRebuild);
        }
    }

    [Fact]
    public void A_mark_before_its_event_leaves_the_event_out_without_a_rebuild()
    {
        var birth = Event("e-1", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"));
        var ae = Event("e-2", Day(2026, 2, 2), new AeAttendance());
        var state = new ChildState("c-1").Apply(Mark("m-1", "e-2")).Apply(birth).Apply(ae);

        Assert.False(state.NeedsRebuild);
        Assert.Empty(state.AeAttendances);
        Assert.Equal(3, state.Version);
        Assert.Same(state, state.Apply(ae));
    }

    [Fact]
    public void A_mark_after_its_event_asks_for_a_rebuild_that_leaves_the_event_out()
    {
        var birth = Event("e-1", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"));
        var ae = Event("e-2", Day(2026, 2, 2), new AeAttendance());
        var mark = Mark("m-1", "e-2");
        var applied = new ChildState("c-1").Apply(birth).Apply(ae).Apply(mark);

        Assert.True(applied.NeedsRebuild);
        var rebuilt = ChildState.Fold("c-1", [birth, ae, mark]);
        Assert.False(rebuilt.NeedsRebuild);
        Assert.Empty(rebuilt.AeAttendances);
        Assert.Equal(3, rebuilt.Version);
    }

    [Fact]
    public void A_mark_of_a_mark_another_recorders_event_or_a_decision_changes_nothing_but_its_id()
    {
        var ae = Event("e-2", Day(2026, 2, 2), new AeAttendance(), recordedBy: "service:midwifery");
        var mark = Mark("m-1", "e-1");
        var birth = Event("e-1", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"));
        var markOfMark = Mark("m-2", "m-1", reason: "Undo the mark");
        var othersMark = Mark("m-3", "e-2");
        var events = new List<ContactEvent> { ae, birth, mark, markOfMark, othersMark };

        var state = ChildState.Fold("c-1", events);

        // The birth stays marked (a mistaken mark is undone by posting the contact again under a new id), and the
        // midwife's attendance counts: a health visitor's mark of it is no mark.
        Assert.Null(state.Birth);
        Assert.Single(state.AeAttendances);
        Assert.Equal(5, state.Version);
        Assert.Equal(state, ApplyOneByOne("c-1", [birth, mark, ae, othersMark, markOfMark]));
        Assert.Equal(state, ApplyOneByOne("c-1", [markOfMark, othersMark, ae, mark, birth]));

        var decision = Event("d-1", Day(2026, 3, 1), new ServiceLevelSet(ServiceLevel.UniversalPlus, "Agreed"), childId: null);
        var family = FamilyState.Fold("f-1", [decision, Mark("m-4", "d-1", childId: null)]);
        Assert.NotNull(family.SetLevel);
    }

    [Fact]
    public void A_family_with_marks_holds_what_the_unmarked_events_give_in_any_order()
    {
        var events = FoldTests.RealisticFamily();
        var concern = Event("f-wrong", Day(2025, 9, 2), new ConcernRaised(Concern.SubstanceUse), childId: null);
        var registration = events.Single(e => e.EventId == "f-01");
        var unmarked = events.Where(e => e.EventId is not "f-01" and not "e-05").ToList();
        events.Add(concern);
        events.Add(Mark("m-1", "f-wrong", childId: null, reason: "Raised on the wrong family"));
        events.Add(Mark("m-2", "f-01", childId: null, reason: "Registered the wrong family"));
        events.Add(Mark("m-3", "e-05"));

        var expected = FamilyState.Fold("f-1", events);
        var plain = FamilyState.Fold("f-1", unmarked);

        Assert.Equal(plain.Concerns, expected.Concerns);
        Assert.DoesNotContain(expected.Concerns, c => c.Concern == Concern.SubstanceUse);
        Assert.Equal(plain.Members, expected.Members);
        Assert.Equal(plain.YoungParent, expected.YoungParent);
        Assert.NotEqual(registration.EventId, expected.Ward?.EventId);
        Assert.DoesNotContain(expected.RecentHistory, h => h.EventId is "f-wrong" or "f-01" or "e-05");
        Assert.Contains(expected.RecentHistory, h => h.EventId == "m-1" && h.Type == EventTypes.EnteredInError);
        Assert.Equal(3, expected.MarkedInError.Count);

        var random = new Random(2028);
        for (var round = 0; round < 100; round++)
        {
            var state = ApplyOneByOne(new FamilyState("f-1"), FoldTestsShuffle(events, random));

            Assert.Equal(expected.ToCanonicalJson(), state.ToCanonicalJson());
            Assert.Equal(expected, state);
        }
    }

    [Fact]
    public void Unmarked_leaves_out_marks_and_what_they_honour()
    {
        var (all, unmarked) = ChildWithMarks();
        all.Add(Mark("m-9", "e-14", recordedBy: "service:midwifery"));

        Assert.Equal(unmarked.Select(e => e.EventId), MarksInError.Unmarked(all).Select(e => e.EventId));
    }

    [Fact]
    public void A_posted_mark_needs_its_event_and_a_reason_and_may_not_name_itself()
    {
        var good = Parse(Wire(EventTypes.EnteredInError, "c-1", """{"eventId":"e-0","reason":"Recorded on the wrong child"}"""));
        Assert.True(good.IsValid);
        Assert.Equal(new EnteredInError("e-0", "Recorded on the wrong child"), good.Event!.Data);

        var bad = Parse(Wire(EventTypes.EnteredInError, "c-1", """{"eventId":"e-1","reason":"x","extra":1}"""));
        Assert.Equal(["data.extra", "data.reason"], bad.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));

        var itself = Parse(Wire(EventTypes.EnteredInError, "c-1", """{"eventId":"e-1","reason":"Posted twice"}"""));
        Assert.Equal(["data.eventId"], itself.Errors.Select(e => e.Field));

        var missing = Parse(Wire(EventTypes.EnteredInError, null, "{}"));
        Assert.Equal(["data.eventId", "data.reason"], missing.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));

        var tooLong = Parse(Wire(EventTypes.EnteredInError, null, $$"""{"eventId":"e-0","reason":"{{new string('a', MarksInError.MaxReasonLength + 1)}}"}"""));
        Assert.Equal(["data.reason"], tooLong.Errors.Select(e => e.Field));
    }

    private static List<ContactEvent> FoldTestsShuffle(List<ContactEvent> events, Random random)
    {
        var copy = events.Concat(events.Take(5)).ToList();
        for (var i = copy.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }

        return copy;
    }
}
