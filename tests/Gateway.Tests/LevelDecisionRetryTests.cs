using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A practitioner's phone sets a family's level and times out, then retries. The decision carries the client's own
/// <c>eventId</c>, as a contact does, so the retry answers the original receipt and the family holds one decision; without
/// an id, or with the id of another decision, the request is refused naming <c>eventId</c> and nothing changes. The same on
/// HTTP and gRPC.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class LevelDecisionRetryTests(GatewayFixture gateway)
{
    private const string Reason = "Home visit: mother isolated, agreed extra support";

    [Fact]
    public async Task A_decision_without_an_event_id_is_refused_naming_event_id_on_both_transports_and_records_nothing()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);

        // The header an earlier contract read is not an id: the body must carry it.
        using var overHttp = gateway.Request(HttpMethod.Put, $"/v1/families/{familyId}/level", practitioner, Decision(null, "universal-plus", Reason));
        overHttp.Headers.Add("Idempotency-Key", Ids.Event());
        using var refused = await gateway.Http.SendAsync(overHttp);
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, Level = "universal-plus", Reason = Reason }, gateway.GrpcHeaders(practitioner)).ResponseAsync);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["eventId"], LevelDecisionCalls.ProblemFields(await ContactApiTests.Json(refused)));
        Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
        Assert.Equal(["eventId"], overGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        var status = await gateway.RiskStatusAsync(practitioner, familyId);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("setLevel").ValueKind);
        Assert.Empty(Decisions(status));
    }

    [Fact]
    public async Task A_decision_retried_under_its_event_id_is_recorded_once_and_each_retry_answers_its_receipt()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        var eventId = Ids.Event();
        var body = Decision(eventId, "universal-plus", Reason);

        // The phone timed out on the first attempt and sent the second while the first was still in flight.
        var attempts = await Task.WhenAll(gateway.PutLevelAsync(practitioner, familyId, body), gateway.PutLevelAsync(practitioner, familyId, body));
        var later = await gateway.PutLevelAsync(practitioner, familyId, body);
        var overGrpc = await new FamiliesService.FamiliesServiceClient(gateway.Grpc).SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = Reason }, gateway.GrpcHeaders(practitioner));

        Assert.All(attempts, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(["accepted", "duplicate"], attempts.Select(a => a.Receipt.GetProperty("status").GetString()).Order(StringComparer.Ordinal));
        var version = attempts[0].Receipt.GetProperty("version").GetInt64();
        Assert.Equal(version, attempts[1].Receipt.GetProperty("version").GetInt64());
        Assert.Equal(("duplicate", version), (later.Receipt.GetProperty("status").GetString(), later.Receipt.GetProperty("version").GetInt64()));
        Assert.Equal(("duplicate", version, eventId), (overGrpc.Status, overGrpc.Version, overGrpc.EventId));

        var status = await gateway.RiskStatusAsync(practitioner, familyId);
        Assert.Equal(version, status.GetProperty("version").GetInt64());
        Assert.Equal(eventId, status.GetProperty("setLevelDecision").GetProperty("eventId").GetString());
        Assert.Equal([eventId], Decisions(status));
    }

    [Fact]
    public async Task The_event_id_of_a_decision_sent_with_another_level_reason_or_family_is_refused_naming_event_id_and_changes_nothing()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        var (_, otherFamily) = await gateway.RegisteredFamilyAsync(ward);
        var practitioner = TestCaller.EarlyIntervention(ward);
        var eventId = Ids.Event();
        var first = await gateway.PutLevelAsync(practitioner, familyId, Decision(eventId, "universal-plus", Reason));
        Assert.Equal("accepted", first.Receipt.GetProperty("status").GetString());

        var otherLevel = await gateway.PutLevelAsync(practitioner, familyId, Decision(eventId, "universal-partnership-plus", Reason));
        var otherReason = await gateway.PutLevelAsync(practitioner, familyId, Decision(eventId, "universal-plus", "Strategy meeting agreed a lead professional"));
        var otherFamilyDecision = await gateway.PutLevelAsync(practitioner, otherFamily, Decision(eventId, "universal-plus", Reason));
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => new FamiliesService.FamiliesServiceClient(gateway.Grpc).SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-partnership-plus", Reason = Reason }, gateway.GrpcHeaders(practitioner)).ResponseAsync);

        foreach (var refused in new[] { otherLevel, otherReason, otherFamilyDecision })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal(["eventId"], LevelDecisionCalls.ProblemFields(refused.Receipt));
        }

        Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
        Assert.Equal(["eventId"], overGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        var status = await gateway.RiskStatusAsync(practitioner, familyId);
        Assert.Equal("universal-plus", status.GetProperty("setLevel").GetString());
        Assert.Equal(Reason, status.GetProperty("setLevelDecision").GetProperty("reason").GetString());
        Assert.Equal(first.Receipt.GetProperty("version").GetInt64(), status.GetProperty("version").GetInt64());
        Assert.Equal([eventId], Decisions(status));
        Assert.Equal(JsonValueKind.Null, (await gateway.RiskStatusAsync(practitioner, otherFamily)).GetProperty("setLevel").ValueKind);
    }

    internal static string Decision(string? eventId, string level, string reason)
    {
        var body = new JsonObject { ["level"] = level, ["reason"] = reason };
        if (eventId is not null)
        {
            body["eventId"] = eventId;
        }

        return body.ToJsonString();
    }

    /// <summary>The ids of the level decisions among the family's recent events.</summary>
    private static string[] Decisions(JsonElement status) =>
        [.. status.GetProperty("recentEvents").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "service-level-set")
            .Select(e => e.GetProperty("eventId").GetString()!)];
}
