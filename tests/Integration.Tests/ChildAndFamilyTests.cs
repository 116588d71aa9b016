using System.Globalization;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Integration.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ChildAndFamilyTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    private DateOnly Today => DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime);

    [Fact]
    public async Task A_repeated_event_returns_the_original_receipt_and_changes_nothing()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        var birth = _contacts.Birth(family, child, Today.AddDays(-3));

        var first = await grain.RecordAsync(birth);
        var again = await grain.RecordAsync(birth);

        Assert.Equal(ReceiptStatus.Accepted, first.Status);
        Assert.Equal(ReceiptStatus.Duplicate, again.Status);
        Assert.Equal(first.Version, again.Version);
        Assert.Equal(1, (await grain.GetRiskAsync()).Version);
    }

    [Fact]
    public async Task A_duplicate_is_recognised_after_the_grain_was_deactivated()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        var birth = _contacts.Birth(family, child, Today.AddDays(-3));
        var missed = _contacts.Missed(family, child, fixture.Clock.GetUtcNow().AddHours(-2));
        await grain.RecordAsync(birth);
        var accepted = await grain.RecordAsync(missed);

        await fixture.Cluster.DeactivateAsync(grain);
        var again = await grain.RecordAsync(missed);

        Assert.Equal(ReceiptStatus.Duplicate, again.Status);
        Assert.Equal(accepted.Version, again.Version);
        Assert.Equal(2, (await grain.GetRiskAsync()).Version);
    }

    [Fact]
    public async Task Events_in_any_order_give_the_same_child()
    {
        var born = Today.AddDays(-70);
        List<ContactEvent> History(string family, string child) =>
        [
            _contacts.Birth(family, child, born),
            _contacts.Review(family, child, "new-birth", Contacts.At(born.AddDays(12))),
            _contacts.Missed(family, child, Contacts.At(born.AddDays(30))),
            _contacts.AandE(family, child, Contacts.At(born.AddDays(35))),
            _contacts.AandE(family, child, Contacts.At(born.AddDays(40))),
            _contacts.Registered(family, child, Contacts.At(born.AddDays(50))),
        ];

        var inOrder = _contacts.NewId("c");
        var shuffled = _contacts.NewId("c");
        var family = _contacts.NewId("f");
        foreach (var contact in History(family, inOrder))
        {
            await fixture.Client.GetGrain<IChildGrain>(inOrder).RecordAsync(contact);
        }

        var late = History(family, shuffled);
        var random = new Random(7);
        foreach (var contact in late.OrderBy(_ => random.Next()).Concat(late.Take(2)))
        {
            await fixture.Client.GetGrain<IChildGrain>(shuffled).RecordAsync(contact);
        }

        var a = await fixture.Client.GetGrain<IChildGrain>(inOrder).GetRiskAsync();
        var b = await fixture.Client.GetGrain<IChildGrain>(shuffled).GetRiskAsync();
        Assert.Equal(a.Score, b.Score);
        Assert.Equal(a.SuggestedLevel, b.SuggestedLevel);
        Assert.Equal(a.Version, b.Version);
        Assert.Equal(a.Reviews, b.Reviews);
        Assert.Equal(a.Factors.Select(f => (f.Id, f.Weight, f.EventIds.Count)), b.Factors.Select(f => (f.Id, f.Weight, f.EventIds.Count)));
    }

    [Fact]
    public async Task The_factor_breakdown_names_the_events_that_triggered_it()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await grain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-40)));
        var first = _contacts.AandE(family, child, fixture.Clock.GetUtcNow().AddDays(-5));
        var second = _contacts.AandE(family, child, fixture.Clock.GetUtcNow().AddDays(-2));
        await grain.RecordAsync(first);
        await grain.RecordAsync(second);

        var risk = await grain.GetRiskAsync();

        var factor = Assert.Single(risk.Factors, f => f.Id == "ae-attendances");
        Assert.Equal(new[] { first.EventId, second.EventId }.Order(), factor.EventIds.Order());
        Assert.True(factor.Weight > 0);
        Assert.False(string.IsNullOrWhiteSpace(risk.RulesVersion));
    }

    [Fact]
    public async Task Rejected_events_change_nothing()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await grain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-3)));
        var forAnother = _contacts.Missed(family, _contacts.NewId("c"), fixture.Clock.GetUtcNow());

        var receipt = await grain.RecordAsync(forAnother);

        Assert.Equal(ReceiptStatus.Rejected, receipt.Status);
        Assert.Contains(receipt.Errors, e => e.Field == "childId");
        Assert.Equal(1, (await grain.GetRiskAsync()).Version);
    }

    [Theory]
    [InlineData("2026-05-31T23:30:00+00:00")]
    [InlineData("2026-06-01T00:30:00+01:00")]
    public async Task A_visit_just_after_midnight_falls_on_the_same_day_in_the_review_and_the_services_tally(string at)
    {
        // 23:30 UTC on 31 May 2026 is 00:30 BST on 1 June, however the phone states it. The new birth visit's window
        // closed on 31 May, so the visit is late, and the health visitor's contact counts in June.
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await grain.RecordAsync(_contacts.Birth(family, child, new DateOnly(2026, 5, 17)));
        await grain.RecordAsync(_contacts.Review(family, child, "new-birth", DateTimeOffset.Parse(at, CultureInfo.InvariantCulture)));

        var review = Assert.Single((await grain.GetRiskAsync()).Reviews, r => r.Review == "new-birth");
        var contribution = ContributionJson.Deserialize<ChildContribution>((await grain.GetContributionAsync())!.Payload);
        var visiting = Assert.Single(contribution.Services, s => s.ServiceId == "health-visiting");

        var firstOfJune = new DateOnly(2026, 6, 1);
        Assert.Equal("completed-late", review.Status);
        Assert.Equal(firstOfJune, review.CompletedOn);
        Assert.Equal(firstOfJune, contribution.NewBirthVisitOn);
        Assert.Equal(firstOfJune, visiting.LastContact);
        Assert.Equal([KeyValuePair.Create("2026-06", 1)], visiting.ContactsByMonth);
    }

    [Fact]
    public async Task A_review_window_closing_makes_the_child_overdue_without_any_new_event()
    {
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await grain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-2)));
        var before = await grain.GetRiskAsync();
        Assert.DoesNotContain(before.Reviews, r => r.Review == "new-birth" && r.Status == "overdue");

        fixture.Clock.Advance(TimeSpan.FromDays(14));
        var woken = await fixture.Client.GetGrain<IDeadlineSweeperGrain>(0).SweepAsync();

        Assert.True(woken >= 1);
        var after = await grain.GetRiskAsync();
        Assert.Contains(after.Reviews, r => r.Review == "new-birth" && r.Status == "overdue");
        Assert.Contains(after.Factors, f => f.Id == "overdue-reviews");
        Assert.True(after.Score > before.Score);
        Assert.Contains(after.History!, h => h.Cause.StartsWith("time", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_sweep_removes_departures_older_than_their_keep_and_keeps_the_recent_ones()
    {
        // Rows as the journal stamps them (its own clock, the system's in a silo): one past its week, one a day old.
        var ward = _contacts.NewId("ward");
        var (gone, kept) = (_contacts.NewId("family:f"), _contacts.NewId("family:f"));
        var now = DateTimeOffset.UtcNow;
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(fixture.Storage.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO qp_ward_departures (ward_code, entry_key, version, left_at) VALUES (@ward, @gone, 3, @old), (@ward, @kept, 4, @recent)";
            insert.Parameters.AddWithValue("@ward", ward);
            insert.Parameters.AddWithValue("@gone", gone);
            insert.Parameters.AddWithValue("@kept", kept);
            insert.Parameters.AddWithValue("@old", (now - WardDeparture.KeptFor - TimeSpan.FromMinutes(1)).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("@recent", (now - TimeSpan.FromDays(1)).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync();
        }

        await fixture.Client.GetGrain<IDeadlineSweeperGrain>(0).SweepAsync();

        await using var journal = EventJournalFactory.Create(fixture.Storage);
        Assert.Equal([new WardDeparture(ward, kept, 4)], await journal.ReadWardDeparturesAsync(ward));
    }

    [Fact]
    public async Task A_familys_risk_follows_its_children()
    {
        var family = _contacts.NewId("f");
        var child = _contacts.NewId("c");
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        var childGrain = fixture.Client.GetGrain<IChildGrain>(child);
        await familyGrain.RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-20)));
        await childGrain.RecordAsync(_contacts.Birth(family, child, Today.AddDays(-20)));
        var calm = await familyGrain.GetRiskStatusAsync();

        for (var i = 1; i <= 3; i++)
        {
            await childGrain.RecordAsync(_contacts.AandE(family, child, fixture.Clock.GetUtcNow().AddDays(-i)));
        }

        // The child tells its family one-way; once that is handled the family's read sees it.
        await fixture.OneWayHandledAsync();
        var childRisk = await childGrain.GetRiskAsync();
        var worried = await familyGrain.GetRiskStatusAsync();
        Assert.True(worried.Score > calm.Score);
        Assert.Contains(worried.Factors, f => f.Id == "ae-attendances" && f.ChildId == child);
        Assert.True(worried.Score >= childRisk.Score);
        Assert.Contains(worried.Children, c => c.ChildId == child && c.Score == childRisk.Score);
    }

    [Fact]
    public async Task A_newborn_with_no_antenatal_contact_on_record_has_it_missed_not_overdue()
    {
        // Born 3 days ago with no antenatal contact on record: it can no longer be given, so the child's schedule says
        // "missed". It is still a missed mandated review in the score (2 points, as before), but not among the family's
        // overdue reviews, which list what the health visitor can still give.
        var family = _contacts.NewId("f");
        var child = _contacts.NewId("c");
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await familyGrain.RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-5)));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, Today.AddDays(-3)));
        await fixture.OneWayHandledAsync();

        var status = await familyGrain.GetRiskStatusAsync();

        var antenatal = Assert.Single(Assert.Single(status.Children).Reviews, r => r.Review == "antenatal");
        Assert.Equal("missed", antenatal.Status);
        Assert.Empty(status.OverdueReviews);
        var factor = Assert.Single(status.Factors, f => f.Id == "overdue-reviews");
        Assert.Equal((2.0, child), (factor.Weight, factor.ChildId));
        Assert.StartsWith("Mandated health-visiting reviews missed or overdue", factor.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_familys_latest_signposting_counts_whatever_order_it_was_recorded_in()
    {
        var family = _contacts.NewId("f");
        var champion = _contacts.NewId("ch");
        var familyGrain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await familyGrain.RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-30)));

        // The later outreach is recorded first (a phone that synced late sent the earlier one after it).
        await familyGrain.RecordAsync(_contacts.Outreach(family, champion, "health-visiting", fixture.Clock.GetUtcNow().AddDays(-5)));
        await familyGrain.RecordAsync(_contacts.Outreach(family, champion, "childrens-centre", fixture.Clock.GetUtcNow().AddDays(-10)));

        // Rebuilt from the journal, which holds the rows in the order they arrived.
        var championGrain = fixture.Client.GetGrain<IChampionGrain>(champion);
        await fixture.Cluster.DeactivateAsync(championGrain);
        var summary = await championGrain.GetSummaryAsync();

        Assert.Equal(1, summary.FamiliesSignposted);
        Assert.Equal(new Dictionary<string, int> { ["health-visiting"] = 1 }, summary.SignpostedByService);
    }

    [Fact]
    public async Task A_champion_sees_a_signposted_family_later_register()
    {
        var family = _contacts.NewId("f");
        var child = _contacts.NewId("c");
        var champion = _contacts.NewId("ch");
        await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-30)));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, Today.AddDays(-30)));
        await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(_contacts.Outreach(family, champion, "childrens-centre", fixture.Clock.GetUtcNow().AddDays(-10)));

        var before = await fixture.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync();
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Registered(family, child, fixture.Clock.GetUtcNow().AddDays(-1)));

        // Child to family, then family to champion: both one-way.
        await fixture.OneWayHandledAsync();
        var after = await fixture.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync();

        Assert.Equal(1, before.FamiliesSignposted);
        Assert.Equal(0, before.SignpostedThenReached);
        Assert.Equal(1, after.SignpostedThenReached);
    }

    [Fact]
    public async Task Reading_risk_writes_an_audit_entry_and_respects_ward_scope()
    {
        var family = _contacts.NewId("f");
        await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-1)));
        var grain = fixture.Client.GetGrain<IFamilyGrain>(family);

        CallerContext.Set(new Caller("ei-1", Roles.EarlyIntervention, ["queens-park"], null, null));
        var inScope = await grain.ReadRiskStatusAsync(new ReadPurpose("review", null));
        CallerContext.Set(new Caller("ei-2", Roles.EarlyIntervention, ["westbourne"], null, null));
        var outOfScope = await grain.ReadRiskStatusAsync(new ReadPurpose("review", null));
        var brokenGlass = await grain.ReadRiskStatusAsync(new ReadPurpose("review", "covering a colleague's caseload today"));
        CallerContext.Set(new Caller("c-1", Roles.Commission, [], null, null));
        var commission = await grain.ReadRiskStatusAsync(new ReadPurpose("review", null));
        CallerContext.Clear();

        Assert.Equal(AccessOutcome.Granted, inScope.Outcome);
        Assert.Equal(family, inScope.Status!.FamilyId);
        Assert.Equal(AccessOutcome.OutOfScope, outOfScope.Outcome);
        Assert.Null(outOfScope.Status);
        Assert.Equal(AccessOutcome.Granted, brokenGlass.Outcome);
        Assert.Equal(AccessOutcome.Forbidden, commission.Outcome);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ServiceLevelTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    [Theory]
    [InlineData(Roles.Frontline, "health-visiting", null, "queens-park", ReceiptStatus.Accepted)]
    [InlineData(Roles.Frontline, null, "ch-9", "queens-park", ReceiptStatus.Rejected)]
    [InlineData(Roles.EarlyIntervention, null, null, "queens-park", ReceiptStatus.Accepted)]
    [InlineData(Roles.EarlyIntervention, null, null, "westbourne", ReceiptStatus.Rejected)]
    [InlineData(Roles.Commission, null, null, "queens-park", ReceiptStatus.Rejected)]
    public async Task Only_practitioners_in_scope_set_a_service_level(string role, string? service, string? champion, string callerWard, ReceiptStatus expected)
    {
        var family = _contacts.NewId("f");
        var grain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await grain.RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-3)));
        var decision = _contacts.Make(EventTypes.ServiceLevelSet, family, null, fixture.Clock.GetUtcNow().AddHours(-1),
            new System.Text.Json.Nodes.JsonObject { ["level"] = "universal-plus", ["reason"] = "new parent, isolated, agreed extra visits" });

        CallerContext.Set(new Caller("u-1", role, [callerWard], service, champion));
        var receipt = await grain.RecordAsync(decision);
        CallerContext.Clear();
        var status = await grain.GetRiskStatusAsync();

        Assert.Equal(expected, receipt.Status);
        Assert.Equal(expected == ReceiptStatus.Accepted ? "universal-plus" : null, status.SetLevel?.Level);
    }

    [Fact]
    public async Task A_decisions_practitioner_is_durable_and_a_decision_stored_without_one_reloads_naming_only_its_team()
    {
        const string Team = "service:early-intervention";
        var family = _contacts.NewId("f");
        var grain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await grain.RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-3)));

        // The first as a gateway recorded decisions before they named their practitioner; the second as one does now.
        var older = _contacts.Make(EventTypes.ServiceLevelSet, family, null, fixture.Clock.GetUtcNow().AddHours(-2),
            new System.Text.Json.Nodes.JsonObject { ["level"] = "universal-plus", ["reason"] = "new parent, isolated, agreed extra visits" }, Team);
        var stepUp = _contacts.Make(EventTypes.ServiceLevelSet, family, null, fixture.Clock.GetUtcNow().AddHours(-1),
            new System.Text.Json.Nodes.JsonObject { ["level"] = "universal-partnership-plus", ["reason"] = "strategy meeting agreed a lead professional" }, Team);
        var named = stepUp with { Practitioner = "ei-amira" };
        CallerContext.Set(new Caller("ei-amira", Roles.EarlyIntervention, ["queens-park"], null, null));
        ContactReceipt first, second;
        Grains.Interfaces.LevelDecision? reloadedOlder;
        try
        {
            first = await grain.RecordAsync(older);
            await fixture.Cluster.DeactivateAsync(grain);
            reloadedOlder = (await grain.GetRiskStatusAsync()).SetLevel;
            second = await grain.RecordAsync(named);
        }
        finally
        {
            CallerContext.Clear();
        }

        await fixture.Cluster.DeactivateAsync(grain);
        var reloaded = await grain.GetRiskStatusAsync();

        Assert.Equal((ReceiptStatus.Accepted, ReceiptStatus.Accepted), (first.Status, second.Status));
        Assert.Equal((older.EventId, Team, (string?)null), (reloadedOlder!.EventId, reloadedOlder.SetBy, reloadedOlder.Practitioner));
        Assert.Equal((named.EventId, Team, "ei-amira"), (reloaded.SetLevel!.EventId, reloaded.SetLevel.SetBy, reloaded.SetLevel.Practitioner));
        Assert.Equal(
            [(named.EventId, "ei-amira"), (older.EventId, (string?)null)],
            reloaded.RecentEvents.Where(e => e.Type == EventTypes.ServiceLevelSet).Select(e => (e.EventId, e.Practitioner)));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class SyntheticMarkingTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Synthetic_families_are_marked_in_risk_status_worklist_and_unreached_lists()
    {
        var ward = "synthetic-" + _contacts.NewId("w");
        var synthetic = "syn-" + _contacts.NewId("f");
        var real = _contacts.NewId("f");
        foreach (var family in new[] { synthetic, real })
        {
            await fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-9), ward: ward));
            var child = _contacts.NewId("c");
            await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, DateOnly.FromDateTime(fixture.Clock.GetUtcNow().UtcDateTime).AddDays(-9), ward));
        }

        var wardGrain = fixture.Client.GetGrain<IWardGrain>(ward);
        var report = await wardGrain.ReconcileAsync();
        CallerContext.Set(new Caller("ei-" + _contacts.NewId("u"), Roles.EarlyIntervention, [ward], null, null));
        var worklist = await wardGrain.GetWorklistAsync(new WorklistQuery(null, null, null, 1, 50));
        var unreached = await wardGrain.GetUnreachedAsync();
        CallerContext.Clear();

        Assert.Equal(4, report.EntitiesChecked);
        Assert.True((await fixture.Client.GetGrain<IFamilyGrain>(synthetic).GetRiskStatusAsync()).Synthetic);
        Assert.False((await fixture.Client.GetGrain<IFamilyGrain>(real).GetRiskStatusAsync()).Synthetic);
        Assert.Equal([(synthetic, true), (real, false)], worklist.Items.Select(i => (i.FamilyId, i.Synthetic)).OrderByDescending(p => p.Synthetic));
        Assert.Equal(2, unreached.Count);
        Assert.Single(unreached, u => u.Synthetic && u.FamilyId == synthetic);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class WardListAccessTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    public static TheoryData<string, string?, string?> Refused => new()
    {
        { "nobody", null, null },
        { Roles.EarlyIntervention, "another-ward", null },
        { Roles.Commission, "this-ward", null },
        { Roles.Admin, "this-ward", null },
        { Roles.Frontline, "this-ward", null },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_wards_lists_go_only_to_its_own_team_even_if_the_gateway_let_a_call_through(string role, string? callerWard, string? champion)
    {
        var ward = "lists-" + _contacts.NewId("w");
        var wardGrain = fixture.Client.GetGrain<IWardGrain>(ward);
        if (role != "nobody")
        {
            CallerContext.Set(new Caller("u-" + _contacts.NewId("u"), role, [callerWard == "this-ward" ? ward : callerWard!], null, champion));
        }

        try
        {
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => wardGrain.GetWorklistAsync(new WorklistQuery(null, null, null, 1, 50)));
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => wardGrain.GetUnreachedAsync());
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    [Fact]
    public async Task A_champion_of_the_ward_sees_its_unreached_infants_but_not_its_worklist()
    {
        var ward = "lists-" + _contacts.NewId("w");
        var wardGrain = fixture.Client.GetGrain<IWardGrain>(ward);
        CallerContext.Set(new Caller("ch-" + _contacts.NewId("u"), Roles.Frontline, [ward], null, "champion-1"));
        try
        {
            Assert.Empty(await wardGrain.GetUnreachedAsync());
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => wardGrain.GetWorklistAsync(new WorklistQuery(null, null, null, 1, 50)));
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    [Fact]
    public async Task A_person_pages_through_the_worklist_but_the_systems_stream_poller_reads_it_whole()
    {
        const int Families = WorklistQuery.MaxPageSize + 5;
        var ward = "lists-" + _contacts.NewId("w");
        var registeredAt = fixture.Clock.GetUtcNow().AddDays(-3);
        await Task.WhenAll(Enumerable.Range(0, Families).Select(_ =>
        {
            var family = _contacts.NewId("f");
            return fixture.Client.GetGrain<IFamilyGrain>(family).RecordAsync(_contacts.FamilyRegistered(family, registeredAt, ward: ward));
        }));
        var wardGrain = fixture.Client.GetGrain<IWardGrain>(ward);
        await wardGrain.ReconcileAsync();
        var asked = new WorklistQuery(null, null, null, 1, 2 * Families);

        CallerContext.Set(new Caller("ei-" + _contacts.NewId("u"), Roles.EarlyIntervention, [ward], null, null));
        var persons = await wardGrain.GetWorklistAsync(asked);
        CallerContext.Set(new Caller("stream-poller", Roles.System, [], null, null));
        var systems = await wardGrain.GetWorklistAsync(asked);
        CallerContext.Clear();

        Assert.Equal((Families, WorklistQuery.MaxPageSize, WorklistQuery.MaxPageSize), (persons.Total, persons.PageSize, persons.Items.Count));
        Assert.Equal((Families, 2 * Families, Families), (systems.Total, systems.PageSize, systems.Items.Count));
        Assert.Equal(persons.Items.Select(i => i.FamilyId), systems.Items.Take(WorklistQuery.MaxPageSize).Select(i => i.FamilyId));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ServiceSummaryTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_service_summary_counts_the_contacts_the_service_recorded()
    {
        var service = _contacts.NewId("svc");
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var now = fixture.Clock.GetUtcNow();
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, DateOnly.FromDateTime(now.UtcDateTime).AddDays(-20)));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(
            _contacts.Make(EventTypes.ReviewCompleted, family, child, now.AddDays(-8), new System.Text.Json.Nodes.JsonObject { ["review"] = "new-birth" }, "service:" + service));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(
            _contacts.Make(EventTypes.AppointmentMissed, family, child, now.AddDays(-2), new System.Text.Json.Nodes.JsonObject { ["service"] = service }, "service:" + service));

        var summary = await fixture.Client.GetGrain<IServiceGrain>(service).GetSummaryAsync();

        Assert.Equal(1, summary.ContactsByType[EventTypes.ReviewCompleted]);
        Assert.Equal(1, summary.MissedAppointments);
        Assert.Equal(1, summary.ActiveChildren);
        Assert.Equal(0.5, summary.MissedAppointmentRate);
    }

    [Fact]
    public async Task A_service_summarys_missed_appointment_rate_is_over_its_appointments_not_every_contact()
    {
        // Of three appointments (a review, a vaccination, one the child was not brought to), one was missed; the A&E
        // attendance and the birth the service also recorded were no appointments of its own.
        var service = _contacts.NewId("svc");
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var now = fixture.Clock.GetUtcNow();
        var grain = fixture.Client.GetGrain<IChildGrain>(child);
        await grain.RecordAsync(_contacts.Make(EventTypes.BirthNotified, family, child, now.AddDays(-60),
            new System.Text.Json.Nodes.JsonObject { ["dateOfBirth"] = Contacts.Day(DateOnly.FromDateTime(now.UtcDateTime).AddDays(-60)), ["wardCode"] = "queens-park" }, "service:" + service));
        await grain.RecordAsync(_contacts.Make(EventTypes.ReviewCompleted, family, child, now.AddDays(-50), new System.Text.Json.Nodes.JsonObject { ["review"] = "new-birth" }, "service:" + service));
        await grain.RecordAsync(_contacts.Make(EventTypes.ImmunisationGiven, family, child, now.AddDays(-5), new System.Text.Json.Nodes.JsonObject { ["vaccine"] = "6-in-1" }, "service:" + service));
        await grain.RecordAsync(_contacts.Make(EventTypes.AeAttendance, family, child, now.AddDays(-4), [], "service:" + service));
        await grain.RecordAsync(_contacts.Make(EventTypes.AppointmentMissed, family, child, now.AddDays(-2), new System.Text.Json.Nodes.JsonObject { ["service"] = service }, "service:" + service));

        var summary = await fixture.Client.GetGrain<IServiceGrain>(service).GetSummaryAsync();

        Assert.Equal((5, 1), (summary.ContactsLast12Months, summary.MissedAppointments));
        Assert.Equal(1.0 / 3, summary.MissedAppointmentRate);
    }

    [Fact]
    public async Task A_service_with_no_appointments_has_no_missed_appointment_rate()
    {
        var service = _contacts.NewId("svc");
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var now = fixture.Clock.GetUtcNow();
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Make(EventTypes.BirthNotified, family, child, now.AddDays(-10),
            new System.Text.Json.Nodes.JsonObject { ["dateOfBirth"] = Contacts.Day(DateOnly.FromDateTime(now.UtcDateTime).AddDays(-10)), ["wardCode"] = "queens-park" }, "service:" + service));

        var summary = await fixture.Client.GetGrain<IServiceGrain>(service).GetSummaryAsync();

        Assert.Equal(1, summary.ContactsLast12Months);
        Assert.Null(summary.MissedAppointmentRate);
    }

    [Fact]
    public async Task A_service_summary_takes_in_new_rows_once_its_clock_has_moved_on_five_seconds()
    {
        var service = _contacts.NewId("svc");
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var now = fixture.Clock.GetUtcNow();
        var childGrain = fixture.Client.GetGrain<IChildGrain>(child);
        var serviceGrain = fixture.Client.GetGrain<IServiceGrain>(service);
        await childGrain.RecordAsync(_contacts.Birth(family, child, DateOnly.FromDateTime(now.UtcDateTime).AddDays(-20)));
        await childGrain.RecordAsync(_contacts.Make(EventTypes.ReviewCompleted, family, child, now.AddDays(-8), new System.Text.Json.Nodes.JsonObject { ["review"] = "new-birth" }, "service:" + service));
        var first = await serviceGrain.GetSummaryAsync();

        await childGrain.RecordAsync(_contacts.Make(EventTypes.AppointmentMissed, family, child, now.AddDays(-1), new System.Text.Json.Nodes.JsonObject { ["service"] = service }, "service:" + service));
        var soon = await serviceGrain.GetSummaryAsync();
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        var later = await serviceGrain.GetSummaryAsync();

        Assert.Equal((1L, 1L, 2L), (first.Version, soon.Version, later.Version));
        Assert.Equal(1, later.MissedAppointments);
    }

    [Fact]
    public async Task A_service_summarys_last_12_months_are_the_wards_calendar_months_not_a_year_of_days()
    {
        // Today is in June 2026, so the last 12 months start on 1 July 2025; 25 June 2025 is within a year of days.
        var service = _contacts.NewId("svc");
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        var now = fixture.Clock.GetUtcNow();
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, new DateOnly(2025, 6, 10)));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Make(EventTypes.ReviewCompleted, family, child,
            new DateTimeOffset(2025, 6, 25, 10, 0, 0, TimeSpan.Zero), new System.Text.Json.Nodes.JsonObject { ["review"] = "new-birth" }, "service:" + service));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Make(EventTypes.ReviewCompleted, family, child,
            now.AddDays(-1), new System.Text.Json.Nodes.JsonObject { ["review"] = "1-year" }, "service:" + service));

        var summary = await fixture.Client.GetGrain<IServiceGrain>(service).GetSummaryAsync();

        // Contacts by type cover the same months as the other counts: they add up to contactsLast12Months.
        Assert.Equal(1, summary.ContactsByType[EventTypes.ReviewCompleted]);
        Assert.Equal(1, summary.ContactsLast12Months);
        Assert.Equal(summary.ContactsLast12Months, summary.ContactsByType.Values.Sum());
    }

    [Fact]
    public async Task A_contact_just_after_midnight_on_the_first_counts_in_that_month()
    {
        // 23:30 UTC on 31 May 2026 is 00:30 BST on 1 June; this cluster's clock starts on 1 June and moves at most two weeks.
        Assert.Equal(6, ProgrammeCalendar.QueensPark.DayOf(fixture.Clock.GetUtcNow()).Month);
        var service = _contacts.NewId("svc");
        var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Birth(family, child, new DateOnly(2026, 5, 17)));
        await fixture.Client.GetGrain<IChildGrain>(child).RecordAsync(_contacts.Make(EventTypes.ReviewCompleted, family, child,
            new DateTimeOffset(2026, 5, 31, 23, 30, 0, TimeSpan.Zero), new System.Text.Json.Nodes.JsonObject { ["review"] = "new-birth" }, "service:" + service));

        var summary = await fixture.Client.GetGrain<IServiceGrain>(service).GetSummaryAsync();

        Assert.Equal(1, summary.ContactsThisMonth);
        Assert.Equal(1, summary.ContactsLast12Months);
    }

    [Fact]
    public async Task A_services_drop_ins_continue_its_version_after_a_fresh_activation()
    {
        var service = _contacts.NewId("svc");
        var grain = fixture.Client.GetGrain<IServiceGrain>(service);
        var now = fixture.Clock.GetUtcNow();
        var first = await grain.RecordAsync(_contacts.DropIn(service, now.AddDays(-2)));

        await fixture.Cluster.DeactivateAsync(grain);
        var second = _contacts.DropIn(service, now.AddDays(-1));
        var accepted = await grain.RecordAsync(second);

        // A repeat answers with the version stored in the event's row.
        var stored = await grain.RecordAsync(second);
        Assert.Equal(1, first.Version);
        Assert.Equal(2, accepted.Version);
        Assert.Equal(ReceiptStatus.Duplicate, stored.Status);
        Assert.Equal(2, stored.Version);
        Assert.Equal(2, (await grain.GetSummaryAsync()).DropInsHosted);
    }

    [Fact]
    public async Task A_service_summary_counts_every_contact_when_the_service_recorded_more_than_a_page_of_them()
    {
        const int Children = 60;
        const int PerChild = 35;
        var service = _contacts.NewId("svc");
        var now = fixture.Clock.GetUtcNow();
        var recorded = await Task.WhenAll(Enumerable.Range(0, Children).Select(async _ =>
        {
            var (family, child) = (_contacts.NewId("f"), _contacts.NewId("c"));
            var grain = fixture.Client.GetGrain<IChildGrain>(child);
            await grain.RecordAsync(_contacts.Birth(family, child, DateOnly.FromDateTime(now.UtcDateTime).AddDays(-40)));
            var accepted = 0;
            for (var i = 0; i < PerChild; i++)
            {
                var receipt = await grain.RecordAsync(_contacts.Make(EventTypes.AppointmentMissed, family, child, now.AddDays(-2).AddMinutes(i),
                    new System.Text.Json.Nodes.JsonObject { ["service"] = service }, "service:" + service));
                accepted += receipt.Status == ReceiptStatus.Accepted ? 1 : 0;
            }

            return accepted;
        }));

        var summary = await fixture.Client.GetGrain<IServiceGrain>(service).GetSummaryAsync();

        Assert.True(recorded.Sum() > 2 * QpActors.Grains.ServiceGrain.PageSize, $"only {recorded.Sum()} contacts were accepted");
        Assert.Equal(recorded.Sum(), summary.Version);
        Assert.Equal(recorded.Sum(), summary.MissedAppointments);
        Assert.Equal(Children, summary.ActiveChildren);
    }
}
