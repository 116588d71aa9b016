using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A frontline app marks a contact it recorded as <c>entered-in-error</c>, over HTTP (single and batch) and gRPC: accepted,
/// a retry answers its receipt, another recorder's event and an unknown id are refused alike naming <c>data.eventId</c>,
/// only frontline tokens may post it, and the risk status shows the mark and no longer counts the event.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class EnteredInErrorApiTests(GatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    private const string NotYours = "names no event of this child, family or champion that you recorded and that can be marked in error";

    private static JsonObject Mark(string family, string? child, string markedId, string reason = "The phone posted the visit twice", string? eventId = null) =>
        TestEvents.Event(eventId, "entered-in-error", family, child, new JsonObject { ["eventId"] = markedId, ["reason"] = reason });

    private static ContactEvent OverGrpc(JsonObject wire)
    {
        var contact = new ContactEvent
        {
            EventId = wire["eventId"]!.GetValue<string>(),
            Type = wire["type"]!.GetValue<string>(),
            OccurredAt = wire["occurredAt"]!.GetValue<string>(),
            FamilyId = wire["familyId"]!.GetValue<string>(),
            Data = Struct.Parser.ParseJson(wire["data"]!.ToJsonString()),
        };
        if (wire["childId"] is { } child)
        {
            contact.ChildId = child.GetValue<string>();
        }

        return contact;
    }

    [Fact]
    public async Task A_mark_over_http_is_accepted_once_and_the_risk_status_shows_it_and_counts_the_event_no_more()
    {
        var (ward, family, child) = await BornAsync();
        var first = TestEvents.Event(null, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-1));
        var twice = TestEvents.Event(null, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-1).AddMinutes(1));
        Assert.Equal("accepted", (await PostAsync(first)).GetProperty("status").GetString());
        Assert.Equal("accepted", (await PostAsync(twice)).GetProperty("status").GetString());
        await gateway.DrainAsync();
        var before = await RiskAsync(ward, family);
        Assert.Contains(before.GetProperty("factors").EnumerateArray(), f => f.GetProperty("id").GetString() == "ae-attendances");

        var mark = Mark(family, child, twice["eventId"]!.GetValue<string>());
        var accepted = await PostAsync(mark);
        var retried = await PostAsync(mark);

        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.Equal(("duplicate", accepted.GetProperty("version").GetInt64()), (retried.GetProperty("status").GetString(), retried.GetProperty("version").GetInt64()));
        await gateway.DrainAsync();
        var after = await RiskAsync(ward, family);
        Assert.DoesNotContain(after.GetProperty("factors").EnumerateArray(), f => f.GetProperty("id").GetString() == "ae-attendances");
        var shown = Assert.Single(after.GetProperty("markedInError").EnumerateArray());
        Assert.Equal(
            (twice["eventId"]!.GetValue<string>(), mark["eventId"]!.GetValue<string>(), "service:health-visiting", "The phone posted the visit twice", child),
            (shown.GetProperty("markedEventId").GetString(), shown.GetProperty("markEventId").GetString(), shown.GetProperty("recordedBy").GetString(),
                shown.GetProperty("reason").GetString(), shown.GetProperty("childId").GetString()));
        Assert.Contains(after.GetProperty("history").EnumerateArray(), h => h.GetProperty("cause").GetString() == mark["eventId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_recorders_event_and_an_unknown_id_are_refused_alike_naming_data_event_id_over_http_batch_and_grpc()
    {
        var (ward, family, child) = await BornAsync();
        var attendance = TestEvents.Event(null, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal("accepted", (await PostAsync(attendance)).GetProperty("status").GetString());
        var concern = TestEvents.ConcernRaised(family, "housing");
        Assert.Equal("accepted", (await PostAsync(concern)).GetProperty("status").GetString());
        await gateway.DrainAsync();
        var before = await RiskAsync(ward, family);
        var midwife = TestCaller.ServiceWorker("midwifery");
        var attendanceId = attendance["eventId"]!.GetValue<string>();

        // The midwife's mark of the health visitor's attendance and of the family's concern, and the health visitor's mark
        // of an id no event holds: the same answer, which says nothing of whether the id exists.
        var cases = new (TestCaller Caller, JsonObject Mark)[]
        {
            (midwife, Mark(family, child, attendanceId)),
            (midwife, Mark(family, null, concern["eventId"]!.GetValue<string>())),
            (_healthVisitor, Mark(family, child, Ids.Event())),
        };
        foreach (var (caller, mark) in cases)
        {
            using var single = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, mark.ToJsonString());
            Assert.Equal(HttpStatusCode.BadRequest, single.StatusCode);
            var problem = await ContactApiTests.Json(single);
            var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
            Assert.Equal(("data.eventId", NotYours), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));

            using var batch = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", caller, new JsonArray(JsonNode.Parse(mark.ToJsonString())).ToJsonString());
            Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
            var receipt = Assert.Single((await ContactApiTests.Json(batch)).GetProperty("receipts").EnumerateArray());
            Assert.Equal("rejected", receipt.GetProperty("status").GetString());
            Assert.Equal("data.eventId", Assert.Single(receipt.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());

            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(OverGrpc(mark), gateway.GrpcHeaders(caller)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Equal(["data.eventId"], refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        }

        // Nothing changed.
        await gateway.DrainAsync();
        var after = await RiskAsync(ward, family);
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Empty(after.GetProperty("markedInError").EnumerateArray());
    }

    [Fact]
    public async Task A_mark_over_grpc_takes_back_a_concern_and_its_retry_answers_the_receipt()
    {
        var (ward, family, _) = await BornAsync();
        var concern = TestEvents.ConcernRaised(family, "domestic-abuse");
        Assert.Equal("accepted", (await PostAsync(concern)).GetProperty("status").GetString());
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var mark = OverGrpc(Mark(family, null, concern["eventId"]!.GetValue<string>(), "Raised on the wrong family"));

        var accepted = await contacts.RecordAsync(mark, gateway.GrpcHeaders(_healthVisitor));
        var retried = await contacts.RecordAsync(mark, gateway.GrpcHeaders(_healthVisitor));

        Assert.Equal("accepted", accepted.Status);
        Assert.Equal(("duplicate", accepted.Version), (retried.Status, retried.Version));
        await gateway.DrainAsync();
        var risk = await new FamiliesService.FamiliesServiceClient(gateway.Grpc).GetRiskStatusAsync(
            new RiskStatusRequest { FamilyId = family }, gateway.GrpcHeaders(TestCaller.EarlyIntervention(ward)));
        Assert.Empty(risk.OpenConcerns);
        Assert.DoesNotContain(risk.Factors, f => f.Id == "concern-domestic-abuse");
        var shown = Assert.Single(risk.MarkedInError);
        Assert.Equal((concern["eventId"]!.GetValue<string>(), mark.EventId, "Raised on the wrong family", false), (shown.MarkedEventId, shown.MarkEventId, shown.Reason, shown.HasChildId));

        // What changed and why: the history's change names the mark as its cause, and the mark's entry above gives the reason.
        Assert.Contains(risk.History, h => h.Cause == shown.MarkEventId && h.Score < h.PreviousScore);
    }

    /// <summary>
    /// Cases where one check alone stands between a frontline caller, whom the frontline policy lets post, and a wrong mark:
    /// a champion's mark of a health visitor's attendance of the same child (only the recorder check refuses it), and the
    /// health visitor's marks of its own level decision and of its own mark, of the same family (only the rule on what can
    /// be marked refuses them). Each is refused naming data.eventId, over HTTP and gRPC, and nothing changes.
    /// </summary>
    [Fact]
    public async Task A_champions_mark_of_a_services_event_and_a_mark_of_ones_own_decision_or_mark_are_refused()
    {
        var (ward, family, child) = await BornAsync();
        var attendance = TestEvents.Event(null, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-1));
        var decision = TestEvents.Event(null, "service-level-set", family, null, new JsonObject { ["level"] = "universal-plus", ["reason"] = "Housing and a new baby" });
        var concern = TestEvents.ConcernRaised(family, "housing");
        foreach (var recorded in new[] { attendance, decision, concern })
        {
            Assert.Equal("accepted", (await PostAsync(recorded)).GetProperty("status").GetString());
        }

        var concernMark = Mark(family, null, concern["eventId"]!.GetValue<string>(), "Raised on the wrong family");
        Assert.Equal("accepted", (await PostAsync(concernMark)).GetProperty("status").GetString());
        await gateway.DrainAsync();
        var before = await RiskAsync(ward, family);

        var champion = TestCaller.ChampionOf("ch-" + Ids.Short(), ward);
        var cases = new (TestCaller Caller, JsonObject Mark)[]
        {
            (champion, Mark(family, child, attendance["eventId"]!.GetValue<string>())),
            (_healthVisitor, Mark(family, null, decision["eventId"]!.GetValue<string>(), "Set on the wrong family")),
            (_healthVisitor, Mark(family, null, concernMark["eventId"]!.GetValue<string>(), "The mark was a mistake")),
        };
        foreach (var (caller, mark) in cases)
        {
            using var single = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, mark.ToJsonString());
            Assert.Equal(HttpStatusCode.BadRequest, single.StatusCode);
            var error = Assert.Single((await ContactApiTests.Json(single)).GetProperty("errors").EnumerateArray());
            Assert.Equal(("data.eventId", NotYours), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));

            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(OverGrpc(mark), gateway.GrpcHeaders(caller)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Equal(["data.eventId"], refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));
        }

        await gateway.DrainAsync();
        var after = await RiskAsync(ward, family);
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal("universal-plus", after.GetProperty("setLevel").GetString());
        Assert.Single(after.GetProperty("markedInError").EnumerateArray());
    }

    [Theory]
    [InlineData("early-intervention")]
    [InlineData("commission")]
    [InlineData("admin")]
    public async Task Only_frontline_tokens_may_post_a_mark(string role)
    {
        var (_, family, child) = await BornAsync();
        var caller = role switch
        {
            "early-intervention" => TestCaller.EarlyIntervention(Ids.Ward()),
            "commission" => TestCaller.Commissioner(),
            _ => TestCaller.Administrator(),
        };

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, Mark(family, child, Ids.Event()).ToJsonString());
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(OverGrpc(Mark(family, child, Ids.Event())), gateway.GrpcHeaders(caller)).ResponseAsync);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }

    private async Task<(string Ward, string Family, string Child)> BornAsync()
    {
        var (ward, family, child) = (Ids.Ward(), Ids.Family(), Ids.Child());
        Assert.Equal("accepted", (await PostAsync(TestEvents.FamilyRegistered(family, ward))).GetProperty("status").GetString());
        Assert.Equal("accepted", (await PostAsync(TestEvents.BirthNotified(family, child, ward))).GetProperty("status").GetString());
        return (ward, family, child);
    }

    private async Task<JsonElement> PostAsync(JsonObject wire)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, wire.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ContactApiTests.Json(response);
    }

    private async Task<JsonElement> RiskAsync(string ward, string family)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{family}/risk", TestCaller.EarlyIntervention(ward));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ContactApiTests.Json(response);
    }
}
