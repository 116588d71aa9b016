using System.Net;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;
using static QpActors.Gateway.Tests.LevelDecisionRetryTests;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A practitioner outside the family's ward opens it with a break-glass reason, sets its level, and the phone retries the
/// decision after the 30-minute window has closed (it was offline, or the answer was lost). The decision was recorded, so
/// the retry answers its original receipt, which names nothing but the decision's own id, status and version; a new
/// decision, another decision under the id, or the same decision sent by a colleague who never opened the family stay
/// refused. The same on HTTP and gRPC, by the fixture's fake clock.
/// </summary>
[Collection(FakeClockGatewayCollection.Name)]
public sealed class LevelDecisionAfterBreakGlassTests(FakeClockGatewayFixture gateway)
{
    private const string BreakGlassReason = "Child presented at A&E out of hours; safeguarding check";
    private const string DecisionReason = "Seen out of hours; agreed extra support with the family";

    [Fact]
    public async Task A_decision_retried_after_the_window_closed_answers_its_receipt_on_both_transports_while_a_new_decision_is_refused()
    {
        var (ward, familyId) = await gateway.RegisteredFamilyAsync();
        await gateway.DrainAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        using (var opened = await OpenWithReasonAsync(familyId, elsewhere))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        var eventId = Ids.Event();
        var decision = Decision(eventId, "universal-plus", DecisionReason);
        var first = await gateway.PutLevelAsync(elsewhere, familyId, decision);
        Assert.Equal((HttpStatusCode.OK, "accepted"), (first.Status, first.Receipt.GetProperty("status").GetString()));
        var version = first.Receipt.GetProperty("version").GetInt64();

        gateway.Clock.Advance(TimeSpan.FromMinutes(31));

        var retried = await gateway.PutLevelAsync(elsewhere, familyId, decision);
        var retriedOverGrpc = await families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = DecisionReason }, gateway.GrpcHeaders(elsewhere));

        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal(["eventId", "status", "version"], retried.Receipt.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal((eventId, "duplicate", version), (retried.Receipt.GetProperty("eventId").GetString(), retried.Receipt.GetProperty("status").GetString(), retried.Receipt.GetProperty("version").GetInt64()));
        Assert.Equal((eventId, "duplicate", version), (retriedOverGrpc.EventId, retriedOverGrpc.Status, retriedOverGrpc.Version));

        // A new decision needs the window, which has closed.
        var another = await gateway.PutLevelAsync(elsewhere, familyId, Decision(Ids.Event(), "universal-partnership-plus", DecisionReason));
        var anotherOverGrpc = await Assert.ThrowsAsync<RpcException>(() => families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = Ids.Event(), Level = "universal-partnership-plus", Reason = DecisionReason }, gateway.GrpcHeaders(elsewhere)).ResponseAsync);
        Assert.Equal(HttpStatusCode.Forbidden, another.Status);
        Assert.Equal(StatusCode.PermissionDenied, anotherOverGrpc.StatusCode);

        // Another decision under the id is refused as such, as it is inside the window.
        var changed = await gateway.PutLevelAsync(elsewhere, familyId, Decision(eventId, "universal-partnership-plus", DecisionReason));
        var changedOverGrpc = await Assert.ThrowsAsync<RpcException>(() => families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = eventId, Level = "universal-plus", Reason = "Strategy meeting agreed a lead professional" }, gateway.GrpcHeaders(elsewhere)).ResponseAsync);
        Assert.Equal(HttpStatusCode.BadRequest, changed.Status);
        Assert.Equal(["eventId"], LevelDecisionCalls.ProblemFields(changed.Receipt));
        Assert.Equal(StatusCode.InvalidArgument, changedOverGrpc.StatusCode);
        Assert.Equal(["eventId"], changedOverGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));

        // A colleague of the same team who never opened the family learns nothing from the id, not even that it is taken.
        var colleague = TestCaller.EarlyIntervention(Ids.Ward());
        var colleagues = await gateway.PutLevelAsync(colleague, familyId, decision);
        Assert.Equal(HttpStatusCode.Forbidden, colleagues.Status);

        // One decision, the first.
        var status = await gateway.RiskStatusAsync(TestCaller.EarlyIntervention(ward), familyId);
        Assert.Equal(version, status.GetProperty("version").GetInt64());
        Assert.Equal(("universal-plus", eventId), (status.GetProperty("setLevel").GetString(), status.GetProperty("setLevelDecision").GetProperty("eventId").GetString()));
    }

    private async Task<HttpResponseMessage> OpenWithReasonAsync(string familyId, TestCaller caller)
    {
        using var request = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", caller);
        request.Headers.Add("X-Break-Glass-Reason", BreakGlassReason);
        return await gateway.Http.SendAsync(request);
    }
}
