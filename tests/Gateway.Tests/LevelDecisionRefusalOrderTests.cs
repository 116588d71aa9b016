using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Domain.Events;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// In what order a level decision is refused, and what a refusal leaves. Bad input is refused before anything looks at the
/// family: a token whose name cannot be kept refuses a decision (that is not a retry of one recorded) before the audited
/// access decision, so the audit log never says a family was opened for a decision that was refused for its token, and
/// before the id is found taken anywhere, so where an id is held cannot change which field the answer names. A retry
/// answers its receipt only to someone who may see it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class LevelDecisionRefusalOrderTests(GatewayFixture gateway)
{
    private const string Reason = "Home visit: mother isolated, agreed extra support";
    private const string BadName = "Amira\nHaddad";

    private FamiliesService.FamiliesServiceClient Families => new(gateway.Grpc);

    private ContactsService.ContactsServiceClient Contacts => new(gateway.Grpc);

    [Fact]
    public async Task A_decision_refused_for_its_tokens_name_opens_no_family_and_writes_no_audit_entry_in_ward_outside_it_or_for_an_unknown_family()
    {
        var (ward, inWard) = await gateway.RegisteredFamilyAsync();
        var (_, outOfWard) = await gateway.RegisteredFamilyAsync();
        var unknown = Ids.Family();
        var practitioner = TestCaller.EarlyIntervention(ward) with { Name = BadName };

        foreach (var familyId in new[] { inWard, outOfWard, unknown })
        {
            var overHttp = await gateway.PutLevelAsync(practitioner, familyId, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", Reason));
            var overGrpc = await Assert.ThrowsAsync<RpcException>(() => Families.SetLevelAsync(
                new SetLevelRequest { FamilyId = familyId, EventId = Ids.Event(), Level = "universal-plus", Reason = Reason },
                gateway.GrpcHeaders(practitioner)).ResponseAsync);

            // The same answer whether the family is in the caller's wards, outside them or unknown: it says nothing of the family.
            Assert.Equal(HttpStatusCode.BadRequest, overHttp.Status);
            Assert.Equal([PractitionerNames.Field], LevelDecisionCalls.ProblemFields(overHttp.Receipt));
            Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
            Assert.Equal([PractitionerNames.Field], overGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
            Assert.Empty(await AuditAsync($"family={familyId}&user={practitioner.Subject}"));
        }

        var status = await gateway.RiskStatusAsync(TestCaller.EarlyIntervention(ward), inWard);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("setLevel").ValueKind);
    }

    [Fact]
    public async Task An_id_held_by_another_family_or_by_another_event_of_this_one_sent_from_a_token_whose_name_cannot_be_kept_is_refused_naming_token_name_alone_on_every_path()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var (_, otherFamily) = await gateway.RegisteredFamilyAsync(ward);
        var amira = TestCaller.EarlyIntervention(ward) with { Name = "Amira Haddad" };
        var healthVisitor = TestCaller.ServiceWorker() with { Name = "Ben Okafor" };

        // Ids taken by the team's decision and the service's contact on the other family, by another recorder's contact on
        // this family, and by the team's own decision on this family (sent again with another level: not a retry).
        var teamsElsewhere = await DecideAsync(amira, otherFamily, "universal-plus");
        var servicesElsewhere = await PostedIdAsync(healthVisitor, TestEvents.ConcernRaised(otherFamily, "housing"));
        var servicesHere = await PostedIdAsync(healthVisitor, TestEvents.ConcernRaised(familyId, "housing"));
        var teamsHere = await DecideAsync(amira, familyId, "universal-plus");
        var before = (await gateway.RiskStatusAsync(amira, familyId)).GetProperty("version").GetInt64();

        var ben = TestCaller.EarlyIntervention(ward) with { Name = BadName };
        var chloe = TestCaller.ServiceWorker() with { Name = BadName };
        foreach (var taken in new[] { teamsElsewhere, servicesElsewhere, servicesHere, teamsHere })
        {
            var levels = await LevelAnswersAsync(ben, familyId, taken);
            var contacts = await ContactAnswersAsync(chloe, familyId, taken);
            Assert.All(levels.Concat(contacts), fields => Assert.Equal([PractitionerNames.Field], fields));

            // The id is taken all the same: with a name that can be kept, each is refused naming eventId.
            var withName = await LevelAnswersAsync(amira, familyId, taken);
            var posted = await ContactAnswersAsync(healthVisitor with { Name = "Chloe Mensah" }, familyId, taken);
            Assert.All(withName.Concat(posted), fields => Assert.Equal(["eventId"], fields));
        }

        var status = await gateway.RiskStatusAsync(amira, familyId);
        Assert.Equal(before, status.GetProperty("version").GetInt64());
        Assert.Equal(teamsHere, status.GetProperty("setLevelDecision").GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task A_colleague_outside_the_familys_ward_retrying_a_decision_gets_what_a_new_decision_gets_until_they_open_the_family()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var amira = TestCaller.EarlyIntervention(ward);
        var eventId = Ids.Event();
        var decision = LevelDecisionRetryTests.Decision(eventId, "universal-plus", Reason);
        var first = await gateway.PutLevelAsync(amira, familyId, decision);
        Assert.Equal((HttpStatusCode.OK, "accepted"), (first.Status, first.Receipt.GetProperty("status").GetString()));
        var version = first.Receipt.GetProperty("version").GetInt64();

        // A colleague on the team whose token no longer carries the family's ward (moved to another) retries from the
        // shared phone: the receipt would confirm the decision and count the family's events, which they may not read.
        var colleague = TestCaller.EarlyIntervention(Ids.Ward());
        var retried = await gateway.PutLevelAsync(colleague, familyId, decision);
        var fresh = await gateway.PutLevelAsync(colleague, familyId, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", Reason));
        var retriedOverGrpc = await Assert.ThrowsAsync<RpcException>(() => Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = Reason }, gateway.GrpcHeaders(colleague)).ResponseAsync);

        Assert.Equal(HttpStatusCode.Forbidden, retried.Status);
        Assert.Equal((fresh.Status, fresh.Receipt.GetProperty("detail").GetString()), (retried.Status, retried.Receipt.GetProperty("detail").GetString()));
        Assert.False(retried.Receipt.TryGetProperty("version", out _));
        Assert.DoesNotContain(eventId, retried.Receipt.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, retriedOverGrpc.StatusCode);

        // The practitioner who made it, whose token no longer carries the ward either, knows the receipt already.
        var amiraMoved = amira with { Wards = [Ids.Ward()] };
        var own = await gateway.PutLevelAsync(amiraMoved, familyId, decision);
        Assert.Equal((HttpStatusCode.OK, "duplicate", version), (own.Status, own.Receipt.GetProperty("status").GetString(), own.Receipt.GetProperty("version").GetInt64()));

        // Once the colleague opens the family with a written reason (audited), the retry answers its receipt.
        using (var open = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", colleague))
        {
            open.Headers.Add("X-Break-Glass-Reason", "Covering the ward's caseload this week; checking the decision");
            using var opened = await gateway.Http.SendAsync(open);
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        var inWindow = await gateway.PutLevelAsync(colleague, familyId, decision);
        var inWindowOverGrpc = await Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = Reason }, gateway.GrpcHeaders(colleague));
        Assert.Equal((HttpStatusCode.OK, "duplicate", version), (inWindow.Status, inWindow.Receipt.GetProperty("status").GetString(), inWindow.Receipt.GetProperty("version").GetInt64()));
        Assert.Equal(("duplicate", version), (inWindowOverGrpc.Status, inWindowOverGrpc.Version));

        var status = await gateway.RiskStatusAsync(amira, familyId);
        Assert.Equal((version, amira.Subject), (status.GetProperty("version").GetInt64(), status.GetProperty("setLevelDecision").GetProperty("practitioner").GetString()));
    }

    /// <summary>The fields each of a level request's answers names (HTTP, then gRPC) for a decision under <paramref name="eventId"/>.</summary>
    private async Task<string[][]> LevelAnswersAsync(TestCaller practitioner, string familyId, string eventId)
    {
        var overHttp = await gateway.PutLevelAsync(practitioner, familyId, LevelDecisionRetryTests.Decision(eventId, "universal-partnership-plus", Reason));
        Assert.Equal(HttpStatusCode.BadRequest, overHttp.Status);
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => Families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-partnership-plus", Reason = Reason },
            gateway.GrpcHeaders(practitioner)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
        return [LevelDecisionCalls.ProblemFields(overHttp.Receipt), [.. overGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field)]];
    }

    /// <summary>The fields each answer names for a decision posted as a contact under <paramref name="eventId"/>: HTTP, its batch, gRPC and its batch.</summary>
    private async Task<string[][]> ContactAnswersAsync(TestCaller frontline, string familyId, string eventId)
    {
        var posted = TestEvents.Event(eventId, EventTypes.ServiceLevelSet, familyId, null, new JsonObject { ["level"] = "universal-partnership-plus", ["reason"] = Reason });
        var single = await PostAsync(frontline, posted);
        Assert.Equal(HttpStatusCode.BadRequest, single.Status);
        using var batch = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", frontline, new JsonArray(posted.DeepClone()).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        var batchReceipt = Assert.Single((await ContactApiTests.Json(batch)).GetProperty("receipts").EnumerateArray().ToArray());
        Assert.Equal(("rejected", 0), (batchReceipt.GetProperty("status").GetString(), batchReceipt.GetProperty("version").GetInt32()));

        var overGrpc = GrpcApiTests.Event(EventTypes.ServiceLevelSet, familyId, null, new Struct
        {
            Fields = { ["level"] = Value.ForString("universal-partnership-plus"), ["reason"] = Value.ForString(Reason) },
        });
        overGrpc.EventId = eventId;
        var grpcRefused = await Assert.ThrowsAsync<RpcException>(() => Contacts.RecordAsync(overGrpc, gateway.GrpcHeaders(frontline)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, grpcRefused.StatusCode);
        var grpcBatch = await Contacts.RecordBatchAsync(new ContactBatch { Events = { overGrpc } }, gateway.GrpcHeaders(frontline));
        var grpcBatchReceipt = Assert.Single(grpcBatch.Receipts);
        Assert.Equal("rejected", grpcBatchReceipt.Status);
        return
        [
            LevelDecisionCalls.ProblemFields(single.Receipt),
            LevelDecisionCalls.ProblemFields(batchReceipt),
            [.. grpcRefused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field)],
            [.. grpcBatchReceipt.Errors.Select(e => e.Field)],
        ];
    }

    private async Task<string> DecideAsync(TestCaller practitioner, string familyId, string level)
    {
        var eventId = Ids.Event();
        var set = await gateway.PutLevelAsync(practitioner, familyId, LevelDecisionRetryTests.Decision(eventId, level, Reason));
        Assert.Equal((HttpStatusCode.OK, "accepted"), (set.Status, set.Receipt.GetProperty("status").GetString()));
        return eventId;
    }

    private async Task<(HttpStatusCode Status, JsonElement Receipt)> PostAsync(TestCaller caller, JsonObject contact)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, contact.ToJsonString());
        return (response.StatusCode, await ContactApiTests.Json(response));
    }

    private async Task<string> PostedIdAsync(TestCaller caller, JsonObject contact)
    {
        var posted = await PostAsync(caller, contact);
        Assert.Equal((HttpStatusCode.OK, "accepted"), (posted.Status, posted.Receipt.GetProperty("status").GetString()));
        return contact["eventId"]!.GetValue<string>();
    }

    private async Task<JsonElement[]> AuditAsync(string query)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + query, TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }
}
