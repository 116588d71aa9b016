using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Domain.Risk;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>A risk history is a function of the journal: what a live grain showed, a grain rebuilt from the journal shows.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RiskHistoryTests(ClusterFixture fixture)
{
    private static readonly TimeSpan HandledAfterReceipt = TimeSpan.FromSeconds(3);

    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_family_and_its_child_show_the_same_history_after_a_rebuild_however_late_each_event_was_handled()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        var childGrain = fixture.Client.GetGrain<IChildGrain>(child);
        var now = fixture.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var received = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

        // Each event is stamped when it is received (as the gateway does) and handled a little later.
        async Task HandleAsync(ContactEvent contact)
        {
            received[contact.EventId] = contact.ReceivedAt;
            fixture.Clock.Advance(HandledAfterReceipt);
            var receipt = contact.ChildId is null
                ? await familyGrain.RecordAsync(contact)
                : await childGrain.RecordAsync(contact);
            Assert.Equal(ReceiptStatus.Accepted, receipt.Status);
        }

        await HandleAsync(_contacts.FamilyRegistered(family, now.AddDays(-30), housing: "temporary-accommodation"));
        await HandleAsync(_contacts.Birth(family, child, today.AddDays(-25)));
        await HandleAsync(_contacts.Concern(family, "domestic-abuse", now.AddDays(-4)));
        for (var i = 3; i >= 1; i--)
        {
            await HandleAsync(_contacts.AandE(family, child, now.AddDays(-i)));
        }

        await fixture.OneWayHandledAsync();
        var liveChild = (await childGrain.GetRiskAsync()).History!;
        var liveFamily = (await familyGrain.GetRiskStatusAsync()).History;
        await fixture.Cluster.DeactivateAsync(familyGrain);
        await fixture.Cluster.DeactivateAsync(childGrain);
        var rebuiltChild = (await childGrain.GetRiskAsync()).History!;
        var rebuiltFamily = (await familyGrain.GetRiskStatusAsync()).History;

        Assert.True(liveFamily.Count >= 3, $"the family's history has {liveFamily.Count} changes");
        Assert.True(liveChild.Count >= 2, $"the child's history has {liveChild.Count} changes");
        Assert.Equal(Exactly(liveFamily), Exactly(rebuiltFamily));
        Assert.Equal(Exactly(liveChild), Exactly(rebuiltChild));

        // Both are at the instants the events were received, not when a grain handled them.
        Assert.All(liveFamily.Concat(liveChild).Where(c => c.Cause != RiskTimeline.TimeCause), c => Assert.Equal(received[c.Cause], c.At));
    }

    [Fact]
    public async Task An_event_handled_after_a_review_window_closed_since_its_receipt_is_assessed_at_receipt_but_contributes_as_of_now()
    {
        var (ward, family, child) = (_contacts.NewId("w"), _contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        var birth = _contacts.Birth(family, child, DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime).AddDays(-2), ward);

        // Received before the new birth visit fell due; handled after its window closed.
        fixture.Clock.Advance(TimeSpan.FromDays(14));
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(birth)).Status);

        var saved = (await fixture.Faults.Journal.ReadWardEntriesAsync(ward)).Single(e => e.EntryKey == "child:" + child);
        Assert.Contains("new-birth", ContributionJson.Deserialize<ChildContribution>(saved.Payload.Bytes).OverdueReviews);
        var history = (await grain.GetRiskAsync()).History!;
        Assert.Equal(birth.ReceivedAt, Assert.Single(history, c => c.Cause == birth.EventId).At);
        Assert.Contains(history, c => c.Cause == RiskTimeline.TimeCause && c.At > birth.ReceivedAt);
    }

    [Fact]
    public async Task A_baby_not_registered_by_eight_weeks_raises_its_risk_at_that_midnight_with_no_event()
    {
        // Both first reviews done on time, the 6-8 week one early: nothing else changes near the end of the grace the
        // children's centre has to register the baby, so the change there is the registration's alone.
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        var today = DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);
        var born = today.AddDays(-50);
        var atNoon = (DateOnly day) => new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);
        foreach (var contact in new[]
        {
            _contacts.Birth(family, child, born),
            _contacts.Review(family, child, "new-birth", atNoon(born.AddDays(12))),
            _contacts.Review(family, child, "6-8-week", atNoon(born.AddDays(43))),
        })
        {
            Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(contact)).Status);
        }

        var graceEnds = ProgrammeCalendar.QueensPark.StartOf(born.AddDays((RiskFacts.RegistrationGraceWeeks * 7) + 1));
        var before = (await grain.GetRiskAsync()).Score;
        fixture.Clock.Advance(graceEnds - fixture.Clock.GetUtcNow() + TimeSpan.FromDays(1));

        var risk = await grain.GetRiskAsync();
        var weight = RiskEngine.Default.Rules.Factors.Single(f => f.Condition.Fact == RiskFacts.NotRegisteredWithCentreBy8Weeks).Weight;
        Assert.Contains(risk.Factors, f => f.Id == "not-registered-with-centre-by-8-weeks");
        var change = Assert.Single(risk.History!, c => c.At == graceEnds);
        Assert.Equal((TimeChangeLabels.RegistrationGraceEnded, before, before + weight), (change.Cause, change.PreviousScore, change.Score));
    }

    [Fact]
    public async Task A_child_leaving_the_programme_on_its_fifth_birthday_says_so_in_its_and_its_familys_history()
    {
        // Born nearly five years ago and never reviewed: every mandated review is long overdue, and nothing else is due to
        // change before the birthday, so the change at its midnight is the birthday's alone.
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        var today = ProgrammeCalendar.QueensPark.DayOf(fixture.Clock.GetUtcNow());
        var born = today.AddYears(-5).AddDays(3);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(_contacts.Birth(family, child, born))).Status);
        await fixture.OneWayHandledAsync();
        var before = (await grain.GetRiskAsync()).Score;
        Assert.True(before > 0);

        var birthday = ProgrammeCalendar.QueensPark.StartOf(born.AddYears(5));
        fixture.Clock.Advance(birthday - fixture.Clock.GetUtcNow() + TimeSpan.FromHours(1));

        var change = Assert.Single((await grain.GetRiskAsync()).History!, c => c.At == birthday);
        Assert.Equal((TimeChangeLabels.FifthBirthday, before, 0.0), (change.Cause, change.PreviousScore, change.Score));
        var familyChange = Assert.Single((await fixture.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync()).History, c => c.At == birthday);
        Assert.Equal(TimeChangeLabels.FifthBirthday, familyChange.Cause);
    }

    /// <summary>Each change with its instant's offset, which equality of instants alone ignores.</summary>
    private static IEnumerable<(RiskChange Change, TimeSpan Offset)> Exactly(IEnumerable<RiskChange> history) =>
        history.Select(c => (c, c.At.Offset)).ToList();
}
