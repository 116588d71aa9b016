using QpActors.Domain.Events;
using QpActors.Domain.Model;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

/// <summary>The compact form a child is held in gives back exactly what was folded into it.</summary>
public sealed class CompactStateTests
{
    /// <summary>Short, long (a two-byte length), non-ASCII and surrogate-pair ids, and ones that differ only in case or length.</summary>
    public static readonly string[] AwkwardIds =
    [
        "e-1", "e-10", "E-1", "e-", "a", new string('x', 64), new string('x', 300) + "-tail",
        "caf\u00e9", "\u00e9", "\uffff-max", "\ud83d\ude00-emoji", "\ue000-private", "z",
    ];

    [Fact]
    public void The_id_table_keeps_any_id_exactly_and_orders_them_as_ordinal_strings_do()
    {
        var table = default(EventIdTable);
        var positions = new int[AwkwardIds.Length];
        for (var i = 0; i < AwkwardIds.Length; i++)
        {
            Assert.Equal(-1, table.Find(AwkwardIds[i]));
            table = table.Add(AwkwardIds[i], out positions[i]);
        }

        for (var i = 0; i < AwkwardIds.Length; i++)
        {
            Assert.Equal(AwkwardIds[i], table.Get(positions[i]));
            Assert.Equal(positions[i], table.Find(AwkwardIds[i]));
            for (var j = 0; j < AwkwardIds.Length; j++)
            {
                Assert.Equal(
                    Math.Sign(string.CompareOrdinal(AwkwardIds[i], AwkwardIds[j])),
                    Math.Sign(table.Compare(positions[i], positions[j])));
                Assert.Equal(
                    Math.Sign(string.CompareOrdinal(AwkwardIds[i], AwkwardIds[j])),
                    Math.Sign(table.Compare(positions[i], AwkwardIds[j])));
            }
        }

        Assert.Equal(AwkwardIds, table.All());
    }

    [Fact]
    public void Awkward_ids_at_one_instant_fold_to_the_same_state_in_any_order()
    {
        var at = Day(2025, 1, 1);
        var events = AwkwardIds.Select((id, i) => Event(id, at, i % 2 == 0 ? new SessionAttended("sounds-like-fun") : new AeAttendance("fall"))).ToList();
        var expected = ChildState.Fold("c-1", events);
        var random = new Random(7);

        for (var round = 0; round < 20; round++)
        {
            var state = ChildState.Fold("c-1", events.OrderBy(_ => random.Next()).Concat(events.Take(3)));
            Assert.Equal(expected, state);
            Assert.Equal(expected.ToCanonicalJson(), state.ToCanonicalJson());
        }

        var sessions = expected.SessionsAttended.Select(s => s.EventId).ToArray();
        Assert.Equal(sessions.Order(StringComparer.Ordinal), sessions);
        Assert.Equal(AwkwardIds.Order(StringComparer.Ordinal), expected.EventIds);
    }

    [Fact]
    public void Instants_keep_the_offset_they_were_stated_in()
    {
        var summer = new DateTimeOffset(2025, 6, 30, 23, 30, 0, TimeSpan.FromHours(1));
        var child = ChildState.Fold("c-1",
        [
            Event("birth", summer, new BirthNotified(new DateOnly(2025, 6, 30), "queens-park")),
            Event("review", summer.AddDays(10), new ReviewCompleted(MandatedReview.NewBirth)),
            Event("missed", summer.AddDays(20), new AppointmentMissed("health-visiting")),
        ]);

        Assert.Equal(TimeSpan.FromHours(1), child.Birth!.At.Offset);
        Assert.Equal(summer.AddDays(10), child.FirstCompletion(MandatedReview.NewBirth)!.At);
        Assert.Equal(TimeSpan.FromHours(1), child.FirstCompletion(MandatedReview.NewBirth)!.At.Offset);
        Assert.Equal(new Occurrence(summer.AddDays(20), "missed", "health-visiting"), Assert.Single(child.MissedAppointments));
        Assert.Equal(TimeSpan.FromHours(1), child.MissedAppointments[0].At.Offset);
    }

    [Fact]
    public void Date_only_readers_agree_with_the_records_they_stand_for()
    {
        var events = RealisticChild();
        var random = new Random(11);
        for (var take = 0; take <= events.Count; take += 3)
        {
            var state = ChildState.Fold("c-1", events.OrderBy(_ => random.Next()).Take(take));
            foreach (var review in Enum.GetValues<MandatedReview>())
            {
                Assert.Equal(state.FirstCompletion(review)?.At, state.FirstCompletionAt(review));
            }

            Assert.Equal(state.LatestAsq3() is not null, state.HasAsq3);
            Assert.Equal(state.CentreRegistrations.IsEmpty ? null : state.CentreRegistrations[0].At, state.FirstCentreRegistrationAt);
            Assert.Equal(state.LastSeenByCentre?.At, state.LastSeenByCentreAt);
            foreach (var since in new[] { Day(2024, 1, 1), Day(2025, 1, 3), Day(2025, 6, 3), Day(2027, 1, 1) })
            {
                Assert.Equal(state.AeAttendances.Count(a => a.At >= since), state.AeAttendancesSince(since));
            }
        }
    }
}
