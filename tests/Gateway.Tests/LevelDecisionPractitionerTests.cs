using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Domain.Events;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A level decision names the practitioner who made it, as the gateway knows them (the token's subject), beside the team
/// that recorded it: in the risk status's decision and in the family's history line for it, on HTTP and gRPC. Every early
/// intervention practitioner records as one team (<c>service:early-intervention</c>), which receipts rely on, so the
/// practitioner is a name of its own, and nothing a client sends can set it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class LevelDecisionPractitionerTests(GatewayFixture gateway)
{
    private const string Team = "service:early-intervention";

    [Fact]
    public async Task Two_practitioners_of_one_ward_setting_levels_in_turn_are_each_named_on_both_transports()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var amira = TestCaller.EarlyIntervention(ward);
        var ben = TestCaller.EarlyIntervention(ward);
        var first = Ids.Event();
        var second = Ids.Event();

        var set = await gateway.PutLevelAsync(amira, familyId, LevelDecisionRetryTests.Decision(first, "universal-partnership-plus", "Domestic abuse disclosed at the home visit"));
        var setOverGrpc = await Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = second, Level = "universal-plus", Reason = "Stepped down after the strategy meeting" },
            gateway.GrpcHeaders(ben));

        Assert.Equal(("accepted", "accepted"), (set.Receipt.GetProperty("status").GetString(), setOverGrpc.Status));
        var overHttp = await gateway.RiskStatusAsync(amira, familyId);
        var overGrpc = await Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(amira));

        var decision = overHttp.GetProperty("setLevelDecision");
        Assert.Equal((second, Team, ben.Subject), (decision.GetProperty("eventId").GetString(), decision.GetProperty("setBy").GetString(), decision.GetProperty("practitioner").GetString()));
        // Recent events come newest first.
        Assert.Equal([(second, Team, ben.Subject), (first, Team, amira.Subject)], DecisionLines(overHttp));
        Assert.Equal((second, Team, ben.Subject), (overGrpc.SetLevelDecision.EventId, overGrpc.SetLevelDecision.SetBy, overGrpc.SetLevelDecision.Practitioner));
        Assert.Equal(
            [(second, Team, ben.Subject), (first, Team, amira.Subject)],
            overGrpc.RecentEvents.Where(e => e.Type == EventTypes.ServiceLevelSet).Select(e => (e.EventId, e.RecordedBy, e.Practitioner)));
        Assert.All(overGrpc.RecentEvents.Where(e => e.Type != EventTypes.ServiceLevelSet), e => Assert.False(e.HasPractitioner));
    }

    [Fact]
    public async Task A_retried_decision_answers_the_original_and_its_first_practitioner_stays_named_whoever_retries()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var amira = TestCaller.EarlyIntervention(ward) with { Name = "Amira Haddad" };
        var ben = TestCaller.EarlyIntervention(ward) with { Name = "Ben Okafor" };
        var eventId = Ids.Event();
        var body = LevelDecisionRetryTests.Decision(eventId, "universal-plus", "Home visit: mother isolated, agreed extra support");

        var first = await gateway.PutLevelAsync(amira, familyId, body);
        var retried = await gateway.PutLevelAsync(amira, familyId, body);

        // The same decision sent again from a colleague's token on the team (a shared device, a token renewed mid-retry):
        // the team's recorder holds the id, so it is the team's own repeat and answers the original; it names no one new.
        var byColleague = await gateway.PutLevelAsync(ben, familyId, body);
        var byColleagueOverGrpc = await Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = "Home visit: mother isolated, agreed extra support" },
            gateway.GrpcHeaders(ben));

        var version = first.Receipt.GetProperty("version").GetInt64();
        Assert.Equal("accepted", first.Receipt.GetProperty("status").GetString());
        foreach (var again in new[] { retried, byColleague })
        {
            Assert.Equal(HttpStatusCode.OK, again.Status);
            Assert.Equal(("duplicate", version), (again.Receipt.GetProperty("status").GetString(), again.Receipt.GetProperty("version").GetInt64()));
        }

        Assert.Equal(("duplicate", version), (byColleagueOverGrpc.Status, byColleagueOverGrpc.Version));
        var status = await gateway.RiskStatusAsync(ben, familyId);
        var overGrpc = await Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(ben));
        Assert.Equal(amira.Subject, status.GetProperty("setLevelDecision").GetProperty("practitioner").GetString());
        Assert.Equal("Amira Haddad", status.GetProperty("setLevelDecision").GetProperty("practitionerName").GetString());
        Assert.Equal([(eventId, Team, amira.Subject)], DecisionLines(status));
        Assert.Equal(["Amira Haddad"], DecisionNames(status));
        Assert.Equal((amira.Subject, "Amira Haddad"), (overGrpc.SetLevelDecision.Practitioner, overGrpc.SetLevelDecision.PractitionerName));
        Assert.Equal(version, status.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_client_cannot_name_the_practitioner_of_a_decision_in_the_body_or_a_header_and_nothing_is_recorded_when_it_tries()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var amira = TestCaller.EarlyIntervention(ward);
        var healthVisitor = TestCaller.ServiceWorker();
        const string Forged = "ei-someone-else";

        var inLevelBody = JsonNode.Parse(LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"))!.AsObject();
        inLevelBody["practitioner"] = Forged;
        var inContact = Decision(familyId);
        inContact["practitioner"] = Forged;
        var inContactData = Decision(familyId);
        inContactData["data"]!["practitioner"] = Forged;
        var inGrpcData = GrpcApiTests.Event(EventTypes.ServiceLevelSet, familyId, null, new Struct
        {
            Fields = { ["level"] = Value.ForString("universal-plus"), ["reason"] = Value.ForString("Agreed at the team meeting"), ["practitioner"] = Value.ForString(Forged) },
        });

        var levelRefused = await gateway.PutLevelAsync(amira, familyId, inLevelBody.ToJsonString());
        var contactRefused = await PostAsync(healthVisitor, inContact);
        var dataRefused = await PostAsync(healthVisitor, inContactData);
        var grpcRefused = await Assert.ThrowsAsync<RpcException>(() =>
            new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(inGrpcData, gateway.GrpcHeaders(healthVisitor)).ResponseAsync);

        Assert.Equal((HttpStatusCode.BadRequest, "practitioner"), (levelRefused.Status, Assert.Single(LevelDecisionCalls.ProblemFields(levelRefused.Receipt))));
        Assert.Equal((HttpStatusCode.BadRequest, "practitioner"), (contactRefused.Status, Assert.Single(LevelDecisionCalls.ProblemFields(contactRefused.Receipt))));
        Assert.Contains("set by the server", contactRefused.Receipt.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, "data.practitioner"), (dataRefused.Status, Assert.Single(LevelDecisionCalls.ProblemFields(dataRefused.Receipt))));
        Assert.Equal(StatusCode.InvalidArgument, grpcRefused.StatusCode);
        Assert.Equal(["data.practitioner"], grpcRefused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        var untouched = await gateway.RiskStatusAsync(amira, familyId);
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("setLevel").ValueKind);
        Assert.Empty(DecisionLines(untouched));

        // A header is not an identity either: the decision names the token's subject.
        using var withHeader = gateway.Request(HttpMethod.Put, $"/v1/families/{familyId}/level", amira,
            LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"));
        withHeader.Headers.Add("X-Practitioner", Forged);
        using (var set = await gateway.Http.SendAsync(withHeader))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        Assert.Equal(amira.Subject, (await gateway.RiskStatusAsync(amira, familyId)).GetProperty("setLevelDecision").GetProperty("practitioner").GetString());
    }

    [Fact]
    public async Task A_decision_posted_as_a_contact_names_the_practitioner_whose_token_posted_it_on_both_transports()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var (_, otherFamily) = await gateway.RegisteredFamilyAsync(ward);
        var amira = TestCaller.EarlyIntervention(ward);
        var healthVisitor = TestCaller.ServiceWorker();
        var midwife = TestCaller.ServiceWorker("midwifery");

        var posted = await PostAsync(healthVisitor, Decision(familyId));
        var overGrpc = await new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(
            GrpcApiTests.Event(EventTypes.ServiceLevelSet, otherFamily, null, new Struct
            {
                Fields = { ["level"] = Value.ForString("universal-plus"), ["reason"] = Value.ForString("Agreed at the antenatal contact") },
            }),
            gateway.GrpcHeaders(midwife));

        Assert.Equal(("accepted", "accepted"), (posted.Receipt.GetProperty("status").GetString(), overGrpc.Status));
        var decision = (await gateway.RiskStatusAsync(amira, familyId)).GetProperty("setLevelDecision");
        var other = await Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = otherFamily }, gateway.GrpcHeaders(amira));
        Assert.Equal(("service:health-visiting", healthVisitor.Subject), (decision.GetProperty("setBy").GetString(), decision.GetProperty("practitioner").GetString()));
        Assert.Equal(("service:midwifery", midwife.Subject), (other.SetLevelDecision.SetBy, other.SetLevelDecision.Practitioner));
    }

    [Fact]
    public async Task A_decision_recorded_before_decisions_named_their_practitioner_shows_its_team_and_no_practitioner_on_both_transports()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var amira = TestCaller.EarlyIntervention(ward);
        var eventId = Ids.Event();

        // As an earlier gateway built it: the team's recorder and no practitioner.
        var now = DateTimeOffset.UtcNow;
        var older = new QpActors.Domain.Events.ContactEvent(eventId, EventTypes.ServiceLevelSet, now.AddMinutes(-1), familyId, null, Team, now,
            new ServiceLevelSet(ServiceLevel.UniversalPlus, "Agreed at the team meeting"));
        CallerContext.Set(new Caller(amira.Subject, Roles.EarlyIntervention, [ward], null, null));
        ContactReceipt receipt;
        try
        {
            receipt = await gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IFamilyGrain>(familyId).RecordAsync(older);
        }
        finally
        {
            CallerContext.Clear();
        }

        Assert.Equal(ReceiptStatus.Accepted, receipt.Status);
        var status = await gateway.RiskStatusAsync(amira, familyId);
        var overGrpc = await Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(amira));
        var decision = status.GetProperty("setLevelDecision");
        Assert.Equal((eventId, Team, JsonValueKind.Null), (decision.GetProperty("eventId").GetString(), decision.GetProperty("setBy").GetString(), decision.GetProperty("practitioner").ValueKind));
        Assert.Equal(JsonValueKind.Null, decision.GetProperty("practitionerName").ValueKind);
        Assert.Equal([(eventId, Team, (string?)null)], DecisionLines(status));
        Assert.Equal([NoName], DecisionNames(status));
        Assert.Equal((Team, false, false), (overGrpc.SetLevelDecision.SetBy, overGrpc.SetLevelDecision.HasPractitioner, overGrpc.SetLevelDecision.HasPractitionerName));
    }

    [Fact]
    public async Task A_decision_keeps_the_display_name_of_the_token_that_made_it_beside_its_subject_on_both_transports()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var (_, byContact) = await gateway.RegisteredFamilyAsync(ward);
        var (_, unnamedFamily) = await gateway.RegisteredFamilyAsync(ward);

        // An identity provider's padding is not part of the name; letters of any script, and the joiners some scripts
        // write names with, are.
        var amira = TestCaller.EarlyIntervention(ward) with { Name = "  Amira Haddad " };
        var ben = TestCaller.EarlyIntervention(ward) with { Name = "Bén O\u2019Neill-Okafor \u0645\u0647\u200C\u0633\u0627" };
        var unnamed = TestCaller.EarlyIntervention(ward) with { NoName = true };
        var midwife = TestCaller.ServiceWorker("midwifery") with { Name = "Chloe Mensah" };
        var first = Ids.Event();
        var second = Ids.Event();

        var set = await gateway.PutLevelAsync(amira, familyId, LevelDecisionRetryTests.Decision(first, "universal-partnership-plus", "Domestic abuse disclosed at the home visit"));
        var setOverGrpc = await Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = second, Level = "universal-plus", Reason = "Stepped down after the strategy meeting" },
            gateway.GrpcHeaders(ben));
        var posted = await new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(
            GrpcApiTests.Event(EventTypes.ServiceLevelSet, byContact, null, new Struct
            {
                Fields = { ["level"] = Value.ForString("universal-plus"), ["reason"] = Value.ForString("Agreed at the antenatal contact") },
            }),
            gateway.GrpcHeaders(midwife));
        var setUnnamed = await gateway.PutLevelAsync(unnamed, unnamedFamily, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"));

        Assert.Equal(("accepted", "accepted", "accepted", "accepted"),
            (set.Receipt.GetProperty("status").GetString(), setOverGrpc.Status, posted.Status, setUnnamed.Receipt.GetProperty("status").GetString()));
        var overHttp = await gateway.RiskStatusAsync(amira, familyId);
        var overGrpc = await Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(amira));
        var bensName = "Bén O\u2019Neill-Okafor \u0645\u0647\u200C\u0633\u0627";

        var decision = overHttp.GetProperty("setLevelDecision");
        Assert.Equal((ben.Subject, bensName), (decision.GetProperty("practitioner").GetString(), decision.GetProperty("practitionerName").GetString()));
        Assert.Equal([bensName, "Amira Haddad"], DecisionNames(overHttp));
        Assert.All(overHttp.GetProperty("recentEvents").EnumerateArray().Where(e => e.GetProperty("type").GetString() != EventTypes.ServiceLevelSet),
            e => Assert.False(e.TryGetProperty("practitionerName", out _)));
        Assert.Equal((ben.Subject, bensName), (overGrpc.SetLevelDecision.Practitioner, overGrpc.SetLevelDecision.PractitionerName));
        Assert.Equal(
            [(second, bensName), (first, "Amira Haddad")],
            overGrpc.RecentEvents.Where(e => e.Type == EventTypes.ServiceLevelSet).Select(e => (e.EventId, e.PractitionerName)));
        Assert.All(overGrpc.RecentEvents.Where(e => e.Type != EventTypes.ServiceLevelSet), e => Assert.False(e.HasPractitionerName));

        var postedStatus = (await gateway.RiskStatusAsync(amira, byContact)).GetProperty("setLevelDecision");
        Assert.Equal(("service:midwifery", midwife.Subject, "Chloe Mensah"),
            (postedStatus.GetProperty("setBy").GetString(), postedStatus.GetProperty("practitioner").GetString(), postedStatus.GetProperty("practitionerName").GetString()));

        // A token with no name claim: the decision names its subject alone.
        var unnamedStatus = await gateway.RiskStatusAsync(amira, unnamedFamily);
        var unnamedOverGrpc = await Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = unnamedFamily }, gateway.GrpcHeaders(amira));
        Assert.Equal((unnamed.Subject, JsonValueKind.Null),
            (unnamedStatus.GetProperty("setLevelDecision").GetProperty("practitioner").GetString(), unnamedStatus.GetProperty("setLevelDecision").GetProperty("practitionerName").ValueKind));
        Assert.Equal([NoName], DecisionNames(unnamedStatus));
        Assert.Equal((unnamed.Subject, false), (unnamedOverGrpc.SetLevelDecision.Practitioner, unnamedOverGrpc.SetLevelDecision.HasPractitionerName));
    }

    [Theory]
    [InlineData("Amira\nHaddad")]
    [InlineData("Amira\tHaddad")]
    [InlineData("Amira \u202EdaddaH")]
    [InlineData("Amira\u2028Haddad")]
    [InlineData("long")]
    [InlineData("several")]
    public async Task A_decision_from_a_token_whose_name_cannot_be_shown_as_a_name_is_refused_naming_the_claim_on_both_transports_and_records_nothing(string name)
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var reader = TestCaller.EarlyIntervention(ward);
        var amira = TestCaller.EarlyIntervention(ward) with { Name = UnkeptName(name) };
        var healthVisitor = TestCaller.ServiceWorker() with { Name = amira.Name };

        var levelRefused = await gateway.PutLevelAsync(amira, familyId, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"));
        var contactRefused = await PostAsync(healthVisitor, Decision(familyId));
        var grpcRefused = await Assert.ThrowsAsync<RpcException>(() => Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = Ids.Event(), Level = "universal-plus", Reason = "Agreed at the team meeting" },
            gateway.GrpcHeaders(amira)).ResponseAsync);
        var grpcContactRefused = await Assert.ThrowsAsync<RpcException>(() => new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(
            GrpcApiTests.Event(EventTypes.ServiceLevelSet, familyId, null, new Struct
            {
                Fields = { ["level"] = Value.ForString("universal-plus"), ["reason"] = Value.ForString("Agreed at the antenatal contact") },
            }),
            gateway.GrpcHeaders(healthVisitor)).ResponseAsync);

        Assert.Equal((HttpStatusCode.BadRequest, "token.name"), (levelRefused.Status, Assert.Single(LevelDecisionCalls.ProblemFields(levelRefused.Receipt))));
        Assert.Equal((HttpStatusCode.BadRequest, "token.name"), (contactRefused.Status, Assert.Single(LevelDecisionCalls.ProblemFields(contactRefused.Receipt))));
        Assert.Equal(StatusCode.InvalidArgument, grpcRefused.StatusCode);
        Assert.Equal(["token.name"], grpcRefused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        Assert.Equal(StatusCode.InvalidArgument, grpcContactRefused.StatusCode);
        Assert.Equal(["token.name"], grpcContactRefused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        var untouched = await gateway.RiskStatusAsync(reader, familyId);
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("setLevel").ValueKind);
        Assert.Empty(DecisionLines(untouched));

        // The name is kept only with a decision: the same token records any other contact, which names no one.
        var recorded = await PostAsync(healthVisitor, TestEvents.ConcernRaised(familyId, "housing"));
        Assert.Equal((HttpStatusCode.OK, "accepted"), (recorded.Status, recorded.Receipt.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData("Amira\nHaddad")]
    [InlineData("Amira \u202EdaddaH")]
    [InlineData("long")]
    [InlineData("several")]
    public async Task A_retry_of_a_recorded_decision_from_a_token_whose_name_cannot_be_kept_answers_the_original_receipt_on_both_transports(string name)
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var (_, byContact) = await gateway.RegisteredFamilyAsync(ward);
        var amira = TestCaller.EarlyIntervention(ward) with { Name = "Amira Haddad" };
        var healthVisitor = TestCaller.ServiceWorker() with { Name = "Ben Okafor" };
        const string Reason = "Home visit: mother isolated, agreed extra support";
        var eventId = Ids.Event();
        var body = LevelDecisionRetryTests.Decision(eventId, "universal-plus", Reason);
        var posted = Decision(byContact);

        var first = await gateway.PutLevelAsync(amira, familyId, body);
        var firstPosted = await PostAsync(healthVisitor, posted);
        Assert.Equal(("accepted", "accepted"), (first.Receipt.GetProperty("status").GetString(), firstPosted.Receipt.GetProperty("status").GetString()));

        // The retries come from tokens whose name cannot be kept (the practitioner's own, renewed from a faulty identity
        // provider, or a colleague's): the decisions were recorded, so each answers what its first attempt did.
        var amiraAgain = amira with { Name = UnkeptName(name) };
        var healthVisitorAgain = healthVisitor with { Name = UnkeptName(name) };
        var retried = await gateway.PutLevelAsync(amiraAgain, familyId, body);
        var retriedOverGrpc = await Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = Reason },
            gateway.GrpcHeaders(amiraAgain));
        var postedAgain = await PostAsync(healthVisitorAgain, posted);
        var sameOverGrpc = GrpcApiTests.Event(EventTypes.ServiceLevelSet, byContact, null, new Struct
        {
            Fields = { ["level"] = Value.ForString("universal-plus"), ["reason"] = Value.ForString("Agreed at the new birth visit") },
        });
        sameOverGrpc.EventId = posted["eventId"]!.GetValue<string>();
        sameOverGrpc.OccurredAt = posted["occurredAt"]!.GetValue<string>();
        var postedAgainOverGrpc = await new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(sameOverGrpc, gateway.GrpcHeaders(healthVisitorAgain));

        // In a batch: the retry answers its receipt, and a decision not recorded before is refused naming the claim.
        var fresh = Decision(byContact);
        using var batch = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", healthVisitorAgain, new JsonArray(posted.DeepClone(), fresh).ToJsonString());
        var receipts = (await ContactApiTests.Json(batch)).GetProperty("receipts").EnumerateArray().ToArray();

        var version = first.Receipt.GetProperty("version").GetInt64();
        var postedVersion = firstPosted.Receipt.GetProperty("version").GetInt64();
        Assert.Equal((HttpStatusCode.OK, "duplicate", version), (retried.Status, retried.Receipt.GetProperty("status").GetString(), retried.Receipt.GetProperty("version").GetInt64()));
        Assert.Equal(("duplicate", version), (retriedOverGrpc.Status, retriedOverGrpc.Version));
        Assert.Equal((HttpStatusCode.OK, "duplicate", postedVersion), (postedAgain.Status, postedAgain.Receipt.GetProperty("status").GetString(), postedAgain.Receipt.GetProperty("version").GetInt64()));
        Assert.Equal(("duplicate", postedVersion), (postedAgainOverGrpc.Status, postedAgainOverGrpc.Version));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(["duplicate", "rejected"], receipts.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal([Domain.Events.PractitionerNames.Field], receipts[1].GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));

        // Nothing was recorded again, and the names kept are the first attempts' own.
        var status = await gateway.RiskStatusAsync(amira, familyId);
        var statusByContact = await gateway.RiskStatusAsync(amira, byContact);
        Assert.Equal((version, "Amira Haddad"), (status.GetProperty("version").GetInt64(), status.GetProperty("setLevelDecision").GetProperty("practitionerName").GetString()));
        Assert.Equal(["Amira Haddad"], DecisionNames(status));
        Assert.Equal((postedVersion, "Ben Okafor"), (statusByContact.GetProperty("version").GetInt64(), statusByContact.GetProperty("setLevelDecision").GetProperty("practitionerName").GetString()));
        Assert.Equal(["Ben Okafor"], DecisionNames(statusByContact));
    }

    /// <summary>A name claim a decision cannot keep: a long one, several names (a JSON array), or the value itself.</summary>
    private static object UnkeptName(string name) => name switch
    {
        "long" => new string('a', Domain.Events.PractitionerNames.MaximumLength + 1),
        "several" => new[] { "Amira Haddad", "A. Haddad" },
        _ => name,
    };

    private FamiliesService.FamiliesServiceClient Families => new(gateway.Grpc);

    private static JsonObject Decision(string familyId) =>
        TestEvents.Event(null, EventTypes.ServiceLevelSet, familyId, null, new JsonObject { ["level"] = "universal-plus", ["reason"] = "Agreed at the new birth visit" });

    /// <summary>Each level decision's line in the family's recent events: its id, recorder and practitioner (null when the line names none).</summary>
    private static (string EventId, string RecordedBy, string? Practitioner)[] DecisionLines(JsonElement status) =>
        [.. status.GetProperty("recentEvents").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == EventTypes.ServiceLevelSet)
            .Select(e => (e.GetProperty("eventId").GetString()!, e.GetProperty("recordedBy").GetString()!,
                e.TryGetProperty("practitioner", out var named) ? named.GetString() : null))];

    /// <summary>Each level decision's practitioner name in the family's recent events, newest first (<see cref="NoName"/> when the line has none).</summary>
    private static string[] DecisionNames(JsonElement status) =>
        [.. status.GetProperty("recentEvents").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == EventTypes.ServiceLevelSet)
            .Select(e => e.TryGetProperty("practitionerName", out var named) ? named.GetString()! : NoName)];

    private const string NoName = "(no practitionerName)";

    private async Task<(HttpStatusCode Status, JsonElement Receipt)> PostAsync(TestCaller caller, JsonObject contact)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, contact.ToJsonString());
        return (response.StatusCode, await ContactApiTests.Json(response));
    }
}
