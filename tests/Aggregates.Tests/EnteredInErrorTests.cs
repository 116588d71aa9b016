using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// A recorder marks a contact it recorded as entered in error: the risk, the worklist and the ward's figures follow, the
/// history says what changed and why, only the recorder's own events of that child or family can be marked, and a silo
/// rebuilt from the journal holds what it held before. On SQLite and PostgreSQL.
/// </summary>
public sealed class EnteredInErrorTests
{
    private const string Ward = "mark-ward";

    [Fact]
    public async Task A_mark_takes_back_a_concern_and_a_duplicated_attendance_and_survives_a_restart()
    {
        await using var cluster = await Cluster.StartAsync();
        await MarksFollowEverywhere(cluster, "mark-sqlite");
    }

    [PostgresFact]
    public async Task A_mark_takes_back_a_concern_and_a_duplicated_attendance_and_survives_a_restart_on_postgres()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync();
        await MarksFollowEverywhere(cluster, "mark-pg-" + Guid.NewGuid().ToString("N")[..8]);
    }

    private static ContactEvent Mark(Events events, ContactEvent marked, string reason, string recordedBy = "service:health-visiting", string? markedId = null) =>
        events.Make(EventTypes.EnteredInError, marked.FamilyId!, marked.ChildId, marked.OccurredAt.AddMinutes(5),
            new JsonObject { ["eventId"] = markedId ?? marked.EventId, ["reason"] = reason }, recordedBy);

    private static async Task MarksFollowEverywhere(Cluster cluster, string prefix)
    {
        var events = new Events(cluster.Clock, prefix);
        var ward = Ward + "-" + prefix;
        var family = events.NewId("f");
        var child = events.NewId("c");
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var concern = events.Concern(family, "domestic-abuse", now.AddDays(-3));
        var firstVisit = events.AandE(family, child, now.AddDays(-2));
        var postedTwice = events.AandE(family, child, now.AddDays(-2).AddMinutes(1));
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(family, now.AddDays(-20), ward: ward), events.Birth(family, child, today.AddDays(-40), ward)], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [concern, firstVisit, postedTwice], inFlight: 1);
        await cluster.DrainAsync();

        var familyGrain = cluster.Client.GetGrain<IFamilyGrain>(family);
        var before = await familyGrain.GetRiskStatusAsync();
        Assert.Contains(before.Factors, f => f.Id == "concern-domestic-abuse");
        Assert.Contains(before.Factors, f => f.Id == "ae-attendances");
        Assert.Equal(["domestic-abuse"], (await WorklistItemAsync(cluster, ward, family)).OpenConcerns);

        // Another recorder's event, an id the child does not hold and one another family's event holds are refused alike,
        // naming data.eventId and nothing of the event.
        var elsewhere = events.Concern(events.NewId("f"), "housing", now.AddDays(-1));
        await Events.RecordAllAsync(cluster.Client, [elsewhere]);
        foreach (var refused in new[]
        {
            Mark(events, postedTwice, "Not mine", recordedBy: "service:midwifery"),
            Mark(events, postedTwice, "Never recorded", markedId: "no-such-event"),
            Mark(events, concern, "Another family's", markedId: elsewhere.EventId),
            Mark(events, firstVisit, "A family event, sent for a child", markedId: concern.EventId),
        })
        {
            var receipt = await Events.RecordAsync(cluster.Client, refused);
            Assert.Equal(ReceiptStatus.Rejected, receipt.Status);
            Assert.Equal([("data.eventId", MarksInError.NotYours)], receipt.Errors.Select(e => (e.Field, e.Message)));
        }

        var concernMark = Mark(events, concern, "Raised on the wrong family");
        var twiceMark = Mark(events, postedTwice, "The phone posted the visit twice");
        var accepted = await Events.RecordAsync(cluster.Client, concernMark);
        Assert.Equal(ReceiptStatus.Accepted, accepted.Status);
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, twiceMark)).Status);

        // A retry of the mark answers its receipt and changes nothing.
        var again = await Events.RecordAsync(cluster.Client, concernMark);
        Assert.Equal((ReceiptStatus.Duplicate, accepted.Version), (again.Status, again.Version));
        await cluster.DrainAsync();

        var after = await familyGrain.GetRiskStatusAsync();
        Assert.DoesNotContain(after.Factors, f => f.Id == "concern-domestic-abuse");
        Assert.DoesNotContain(after.Factors, f => f.Id == "ae-attendances");
        Assert.DoesNotContain(after.Factors.SelectMany(f => f.EventIds), id => id == concern.EventId || id == postedTwice.EventId);
        Assert.Empty(after.OpenConcerns);
        Assert.True(after.Score < before.Score);
        Assert.Equal(
            [(concern.EventId, concernMark.EventId, "Raised on the wrong family"), (postedTwice.EventId, twiceMark.EventId, "The phone posted the visit twice")],
            after.MarkedInError!.Select(m => (m.MarkedEventId, m.MarkEventId, m.Reason)).OrderBy(m => m.MarkEventId, StringComparer.Ordinal));

        // The history says the score went down at each mark, with the mark as its cause.
        Assert.Contains(after.History, h => h.Cause == concernMark.EventId && h.Score < h.PreviousScore);
        Assert.Contains(after.History, h => h.Cause == twiceMark.EventId && h.Score < h.PreviousScore);

        var item = await WorklistItemAsync(cluster, ward, family);
        Assert.Empty(item.OpenConcerns);
        Assert.Equal(after.Score, item.Score);
        var figures = await Figures.WardAsync(cluster.Client, ward);

        await cluster.RestartAsync();

        var rebuilt = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        Assert.Equal(Comparable(after), Comparable(rebuilt));
        Assert.Equal(after.History.Select(h => (h.Cause, h.Score)), rebuilt.History.Select(h => (h.Cause, h.Score)));
        var child2 = await cluster.Client.GetGrain<IChildGrain>(child).GetRiskAsync();
        Assert.DoesNotContain(child2.Factors, f => f.Id == "ae-attendances");
        Assert.Equal(figures.ToJsonString(), (await Figures.WardAsync(cluster.Client, ward)).ToJsonString());
    }

    [Fact]
    public async Task A_marked_birth_record_and_registration_take_the_child_and_family_out_of_the_ward_for_good()
    {
        await using var cluster = await Cluster.StartAsync();
        await RecordsThatNameAWardFollow(cluster, "mark-ward-sqlite");
    }

    [PostgresFact]
    public async Task A_marked_birth_record_and_registration_take_the_child_and_family_out_of_the_ward_for_good_on_postgres()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync();
        await RecordsThatNameAWardFollow(cluster, "mark-ward-pg-" + Guid.NewGuid().ToString("N")[..8]);
    }

    private static async Task RecordsThatNameAWardFollow(Cluster cluster, string prefix)
    {
        var events = new Events(cluster.Clock, prefix);
        var ward = prefix + "-w";
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var (right, wrong, child) = (events.NewId("f-right"), events.NewId("f-wrong"), events.NewId("c"));
        var wrongRegistration = events.FamilyRegistered(wrong, now.AddDays(-20), ward: ward);
        var wrongBirth = events.Birth(wrong, child, today.AddDays(-40), ward);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(right, now.AddDays(-20), ward: ward), wrongRegistration, wrongBirth], inFlight: 1);
        await cluster.DrainAsync();
        Assert.Equal(1, Figures.Count(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Equal(2, (await WorklistAsync(cluster, ward)).Count);

        // The birth was recorded on the wrong family and the family registered by mistake: both taken back, then the
        // birth recorded again on the right family under a new id.
        var birthMark = await Events.RecordAsync(cluster.Client, Mark(events, wrongBirth, "Birth recorded on the wrong family", recordedBy: "service:midwifery"));
        Assert.True(birthMark.Status == ReceiptStatus.Accepted, string.Join("; ", birthMark.Errors.Select(e => e.Field + ": " + e.Message)));
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, wrongRegistration, "Registered by mistake", recordedBy: "service:childrens-centre"))).Status);
        await cluster.DrainAsync();

        Assert.Equal(0, Figures.CountOrZero(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Equal([right], await WorklistAsync(cluster, ward));
        var emptied = await cluster.Client.GetGrain<IFamilyGrain>(wrong).GetRiskStatusAsync();
        Assert.Null(emptied.WardCode);
        Assert.Empty(emptied.Children);

        await Events.RecordAllAsync(cluster.Client, [events.Birth(right, child, today.AddDays(-40), ward)]);
        await cluster.DrainAsync();
        Assert.Equal(1, Figures.Count(await Figures.WardAsync(cluster.Client, ward), "reach.known"));

        await cluster.RestartAsync();

        Assert.Equal(1, Figures.Count(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Equal([right], await WorklistAsync(cluster, ward));
        Assert.Empty((await cluster.Client.GetGrain<IFamilyGrain>(wrong).GetRiskStatusAsync()).Children);
    }

    [Fact]
    public Task A_ward_reloaded_after_marks_took_a_child_and_families_out_refuses_their_late_older_reports() =>
        LateReportsAfterMarksAsync(Cluster.StartAsync(), "mark-late-sqlite");

    [PostgresFact]
    public Task A_ward_reloaded_after_marks_took_a_child_and_families_out_refuses_their_late_older_reports_on_postgres() =>
        LateReportsAfterMarksAsync(Cluster.StartOnPostgresAsync(), "mark-late-pg-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// A family's own registration is marked (the family leaves by its own write), and a birth record that gave another
    /// family its ward is marked (the child leaves by its write, its family on the child's notice). The ward then restarts
    /// (memory gone) and only after that hears, late, their reports from before the marks: what the journal kept of their
    /// leaving must refuse them, as a move's departure does.
    /// </summary>
    private static async Task LateReportsAfterMarksAsync(Task<Cluster> starting, string prefix)
    {
        await using var cluster = await starting;
        var events = new Events(cluster.Clock, prefix);
        var ward = prefix + "-w";
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var (stays, registeredByMistake, bornElsewhere, child) = (events.NewId("f-stays"), events.NewId("f-reg"), events.NewId("f-birth"), events.NewId("c"));
        var registration = events.FamilyRegistered(registeredByMistake, now.AddDays(-20), ward: ward);
        var birth = events.Birth(bornElsewhere, child, today.AddDays(-40), ward);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(stays, now.AddDays(-20), ward: ward), registration, birth], inFlight: 1);
        await cluster.DrainAsync();
        Assert.Equal(1, Figures.Count(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Equal(3, (await WorklistAsync(cluster, ward)).Count);
        WardContribution[] beforeTheMarks =
        [
            (await cluster.Client.GetGrain<IFamilyGrain>(registeredByMistake).GetContributionAsync())!,
            (await cluster.Client.GetGrain<IFamilyGrain>(bornElsewhere).GetContributionAsync())!,
            (await cluster.Client.GetGrain<IChildGrain>(child).GetContributionAsync())!,
        ];

        // The family whose ward came from the birth is not active when the child tells it of the mark: the notice
        // activates it from rows that already hold the mark.
        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IFamilyGrain>(bornElsewhere));
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, registration, "Registered by mistake", recordedBy: "service:childrens-centre"))).Status);
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, birth, "Not born in this family", recordedBy: "service:midwifery"))).Status);
        await cluster.DrainAsync();
        Assert.Equal(0, Figures.CountOrZero(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Equal([stays], await WorklistAsync(cluster, ward));

        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IWardGrain>(ward));
        await cluster.Client.GetGrain<IWardGrain>(ward).ApplyAsync(beforeTheMarks);

        Assert.Equal(0, Figures.CountOrZero(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Equal([stays], await WorklistAsync(cluster, ward));
        await using var journal = EventJournalFactory.Create(cluster.Storage);
        Assert.Equal(
            beforeTheMarks.Select(c => c.EntryKey).Order(StringComparer.Ordinal),
            (await journal.ReadWardDeparturesAsync(ward)).Select(d => d.EntryKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_family_that_catches_up_on_a_mark_it_was_not_told_of_shows_the_history_a_rebuild_shows()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "mark-catch-up");
        var ward = "mark-catch-up-w";
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var postedTwice = events.AandE(family, child, now.AddDays(-2).AddMinutes(1));
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(family, now.AddDays(-20), ward: ward), events.Birth(family, child, today.AddDays(-40), ward)], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [events.AandE(family, child, now.AddDays(-2)), postedTwice], inFlight: 1);
        await cluster.DrainAsync();
        var team = new Caller("mark-catch-up-team", Roles.EarlyIntervention, [ward], null, null);
        var before = await ReadAsync(cluster, family, team);
        Assert.Contains(before.Factors, f => f.Id == "ae-attendances");

        // The child committed the mark, and its notice to the family was lost (a silo failing between the two): the
        // family learns of it only from the journal, when a read catches up a minute later. Meanwhile the family recorded
        // an event of its own, after the mark.
        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        var mark = Mark(events, postedTwice, "The phone posted the visit twice") with { ReceivedAt = cluster.Clock.GetUtcNow() };
        await using (var journal = EventJournalFactory.Create(cluster.Storage))
        {
            Assert.True((await journal.AppendAsync(JournalWrite.ForEvent(JournalRows.From(mark, ward, 4)))).Inserted);
        }

        cluster.Clock.Advance(TimeSpan.FromSeconds(10));
        await Events.RecordAllAsync(cluster.Client, [events.Concern(family, "housing", cluster.Clock.GetUtcNow().AddHours(-1))]);
        await cluster.DrainAsync();

        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        var caughtUp = await ReadAsync(cluster, family, team);
        Assert.DoesNotContain(caughtUp.Factors, f => f.Id == "ae-attendances");
        Assert.Contains(caughtUp.History, h => h.Cause == mark.EventId && h.Score < h.PreviousScore);

        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IFamilyGrain>(family));
        var rebuilt = await ReadAsync(cluster, family, team);
        Assert.Equal(rebuilt.History, caughtUp.History);
        Assert.Equal(Comparable(rebuilt), Comparable(caughtUp));
    }

    private static async Task<FamilyRiskStatus> ReadAsync(Cluster cluster, string family, Caller caller)
    {
        CallerContext.Set(caller);
        try
        {
            var read = await cluster.Client.GetGrain<IFamilyGrain>(family).ReadRiskStatusAsync(new ReadPurpose("risk-status", null));
            Assert.Equal(AccessOutcome.Granted, read.Outcome);
            return read.Status!;
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    [Fact]
    public async Task A_champions_and_a_services_tallies_count_a_marked_event_no_more_also_after_a_restart()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "mark-tally");
        var (family, child, champion) = (events.NewId("f"), events.NewId("c"), events.NewId("ch"));
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var outreach = events.Outreach(family, champion, "childrens-centre", now.AddDays(-2));
        var missed = events.Missed(family, child, now.AddDays(-1));
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(family, now.AddDays(-20), ward: "mark-tally-w"), events.Birth(family, child, today.AddDays(-40), "mark-tally-w")], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [outreach, events.Outreach(family, champion, null, now.AddDays(-1)), missed, events.AandE(family, child, now.AddDays(-1))], inFlight: 1);
        await cluster.DrainAsync();
        var championGrain = cluster.Client.GetGrain<IChampionGrain>(champion);
        var service = cluster.Client.GetGrain<IServiceGrain>("health-visiting");
        var championBefore = await championGrain.GetSummaryAsync();
        var serviceBefore = await service.GetSummaryAsync();
        Assert.Equal((2, 1), (championBefore.OutreachContacts, championBefore.FamiliesSignposted));

        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, outreach, "Not this family", recordedBy: "champion:" + champion))).Status);
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, missed, "The child was brought"))).Status);
        await cluster.DrainAsync();

        var championAfter = await championGrain.GetSummaryAsync();
        Assert.Equal((1, 0), (championAfter.OutreachContacts, championAfter.FamiliesSignposted));

        // A service reads its rows at most every few seconds of the silo's own clock; a restart makes it read them all, the
        // marked appointment (counted before) and the mark among them.
        await cluster.RestartAsync();

        var championRebuilt = await cluster.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync();
        Assert.Equal((1, 0), (championRebuilt.OutreachContacts, championRebuilt.FamiliesSignposted));
        var serviceAfter = await cluster.Client.GetGrain<IServiceGrain>("health-visiting").GetSummaryAsync();
        Assert.Equal((1, 0), (serviceBefore.MissedAppointments, serviceAfter.MissedAppointments));
        Assert.Equal(serviceBefore.ContactsLast12Months - 1, serviceAfter.ContactsLast12Months);
        Assert.False(serviceAfter.ContactsByType.ContainsKey(EventTypes.EnteredInError));
    }

    [Fact]
    public async Task A_marked_signposting_takes_back_the_champions_signposted_then_reached_also_after_a_restart()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "mark-reached");
        var (family, child, champion) = (events.NewId("f"), events.NewId("c"), events.NewId("ch"));
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var signposting = events.Outreach(family, champion, "childrens-centre", now.AddDays(-3));
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(family, now.AddDays(-20), ward: "mark-reached-w"), events.Birth(family, child, today.AddDays(-40), "mark-reached-w")], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [signposting], inFlight: 1);
        await cluster.DrainAsync();
        await Events.RecordAllAsync(cluster.Client, [events.Registered(family, child, now.AddDays(-1))]);
        await cluster.DrainAsync();
        var before = await cluster.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync();
        Assert.Equal((1, 1), (before.FamiliesSignposted, before.SignpostedThenReached));

        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, signposting, "Not this family", recordedBy: "champion:" + champion))).Status);
        await cluster.DrainAsync();

        var after = await cluster.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync();
        Assert.Equal((0, 0), (after.FamiliesSignposted, after.SignpostedThenReached));

        await cluster.RestartAsync();

        var rebuilt = await cluster.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync();
        Assert.Equal((0, 0), (rebuilt.FamiliesSignposted, rebuilt.SignpostedThenReached));
    }

    private static async Task<List<string>> WorklistAsync(Cluster cluster, string ward) =>
        [.. (await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50))).Items.Select(i => i.FamilyId)];

    private static string Comparable(FamilyRiskStatus status) => JsonSerializer.Serialize(status with { AsOf = default, History = [] });

    private static async Task<WorklistItem> WorklistItemAsync(Cluster cluster, string ward, string family)
    {
        var page = await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50));
        return Assert.Single(page.Items, i => i.FamilyId == family);
    }
}
