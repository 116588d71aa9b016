using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A device retries: the same event id sent again, at once, over the other transport, with another body, for another
/// entity. Each repeat answers the original receipt (status duplicate, the original's version) and changes nothing. An id
/// another recorder's event holds is rejected instead, telling the sender nothing of that event.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RetryTests(GatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    [Fact]
    public async Task The_same_event_sent_twice_at_once_over_http_is_accepted_once()
    {
        var (_, family, child) = await BornAsync();
        var attendance = AeAttendance(family, child).ToJsonString();

        var receipts = await Task.WhenAll(PostAsync(attendance), PostAsync(attendance));

        AssertOneAcceptedOneDuplicate(receipts);
    }

    [Fact]
    public async Task The_same_event_sent_at_once_over_http_and_grpc_is_accepted_once()
    {
        var (_, family, child) = await BornAsync();
        var attendance = AeAttendance(family, child);
        var overGrpc = new ContactEvent
        {
            EventId = attendance["eventId"]!.GetValue<string>(),
            Type = "ae-attendance",
            OccurredAt = attendance["occurredAt"]!.GetValue<string>(),
            FamilyId = family,
            ChildId = child,
            Data = new Struct(),
        };
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);

        var http = PostAsync(attendance.ToJsonString());
        var grpc = contacts.RecordAsync(overGrpc, gateway.GrpcHeaders(_healthVisitor)).ResponseAsync;
        await Task.WhenAll(http, grpc);

        AssertOneAcceptedOneDuplicate([await http, ((await grpc).Status, (await grpc).Version)]);
    }

    [Fact]
    public async Task An_event_id_sent_again_with_another_type_child_or_payload_answers_the_original_and_changes_nothing()
    {
        var (ward, family, child) = await BornAsync();
        var sibling = Ids.Child();
        Assert.Equal("accepted", (await PostAsync(TestEvents.BirthNotified(family, sibling, ward, daysAgo: 5).ToJsonString())).Status);
        var attendance = AeAttendance(family, child);
        var eventId = attendance["eventId"]!.GetValue<string>();
        var original = await PostAsync(attendance.ToJsonString());
        Assert.Equal("accepted", original.Status);
        await gateway.DrainAsync();
        var before = await RiskAsync(ward, family);

        var otherPayload = TestEvents.Event(eventId, "appointment-missed", family, child, new JsonObject { ["service"] = "health-visiting" });
        var otherChild = TestEvents.Event(eventId, "ae-attendance", family, sibling, []);
        var familyEvent = TestEvents.ConcernRaised(family, "housing", eventId);
        var otherFamily = TestEvents.FamilyRegistered(Ids.Family(), ward, eventId: eventId);
        foreach (var repeat in new[] { otherPayload, otherChild, familyEvent, otherFamily })
        {
            Assert.Equal(("duplicate", original.Version), await PostAsync(repeat.ToJsonString()));
        }

        await gateway.DrainAsync();
        var after = await RiskAsync(ward, family);
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal(before.GetProperty("score").GetInt32(), after.GetProperty("score").GetInt32());
        Assert.Equal(before.GetProperty("openConcerns").GetRawText(), after.GetProperty("openConcerns").GetRawText());
        Assert.Equal(before.GetProperty("children").GetRawText(), after.GetProperty("children").GetRawText());
        Assert.Equal(before.GetProperty("history").GetArrayLength(), after.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task An_event_id_sent_at_once_for_a_family_and_for_its_child_is_accepted_once()
    {
        var (_, family, child) = await BornAsync();
        var eventId = Ids.Event();

        var receipts = await Task.WhenAll(
            PostAsync(TestEvents.ConcernRaised(family, "housing", eventId).ToJsonString()),
            PostAsync(TestEvents.Event(eventId, "ae-attendance", family, child, []).ToJsonString()));

        AssertOneAcceptedOneDuplicate(receipts);
    }

    [Fact]
    public async Task An_event_id_twice_in_one_batch_for_two_children_is_recorded_once_in_batch_order()
    {
        var (ward, family, child) = await BornAsync();
        var sibling = Ids.Child();
        var eventId = Ids.Event();
        var batch = new JsonArray(
            TestEvents.BirthNotified(family, sibling, ward, daysAgo: 5),
            TestEvents.Event(eventId, "ae-attendance", family, child, []),
            TestEvents.Event(eventId, "ae-attendance", family, sibling, []));

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipts = (await ContactApiTests.Json(response)).GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(["accepted", "accepted", "duplicate"], receipts.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(receipts[1].GetProperty("version").GetInt64(), receipts[2].GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task An_event_id_another_recorder_holds_is_rejected_naming_event_id_and_says_nothing_of_that_record()
    {
        var (ward, family, child) = await BornAsync();
        var attendance = AeAttendance(family, child);
        var eventId = attendance["eventId"]!.GetValue<string>();
        var original = await PostAsync(attendance.ToJsonString());
        Assert.Equal("accepted", original.Status);
        await gateway.DrainAsync();
        var before = await RiskAsync(ward, family);

        // Another service sends the id: for the same child, for a family of its own, singly, in a batch and over gRPC.
        var midwife = TestCaller.ServiceWorker("midwifery");
        var ownFamily = Ids.Family();
        using var sameChild = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", midwife, attendance.ToJsonString());
        using var otherFamily = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", midwife, TestEvents.FamilyRegistered(ownFamily, ward, eventId: eventId).ToJsonString());
        var batch = new JsonArray(TestEvents.FamilyRegistered(Ids.Family(), ward), TestEvents.ConcernRaised(family, "housing", eventId));
        using var inBatch = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", midwife, batch.ToJsonString());
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => new ContactsService.ContactsServiceClient(gateway.Grpc).RecordAsync(new ContactEvent
        {
            EventId = eventId,
            Type = "ae-attendance",
            OccurredAt = attendance["occurredAt"]!.GetValue<string>(),
            FamilyId = family,
            ChildId = child,
            Data = new Struct(),
        }, gateway.GrpcHeaders(midwife)).ResponseAsync);

        foreach (var refused in new[] { sameChild, otherFamily })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await ContactApiTests.Json(refused);
            Assert.Equal("eventId", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
            Assert.False(problem.TryGetProperty("version", out _));
        }

        Assert.Equal(HttpStatusCode.OK, inBatch.StatusCode);
        var receipts = (await ContactApiTests.Json(inBatch)).GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(["accepted", "rejected"], receipts.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(0, receipts[1].GetProperty("version").GetInt64());
        Assert.Equal("eventId", Assert.Single(receipts[1].GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
        Assert.Equal(["eventId"], overGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));

        // Nothing changed, and the recorder's own retry still answers its original receipt.
        await gateway.DrainAsync();
        var after = await RiskAsync(ward, family);
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal(before.GetProperty("openConcerns").GetRawText(), after.GetProperty("openConcerns").GetRawText());
        using var unknown = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{ownFamily}/risk", TestCaller.EarlyIntervention(ward));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(("duplicate", original.Version), await PostAsync(attendance.ToJsonString()));
    }

    private async Task<(string Ward, string Family, string Child)> BornAsync()
    {
        var (ward, family, child) = (Ids.Ward(), Ids.Family(), Ids.Child());
        Assert.Equal("accepted", (await PostAsync(TestEvents.FamilyRegistered(family, ward).ToJsonString())).Status);
        Assert.Equal("accepted", (await PostAsync(TestEvents.BirthNotified(family, child, ward).ToJsonString())).Status);
        return (ward, family, child);
    }

    private static JsonObject AeAttendance(string family, string child) =>
        TestEvents.Event(null, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-1));

    private async Task<(string Status, long Version)> PostAsync(string body)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await ContactApiTests.Json(response);
        return (receipt.GetProperty("status").GetString()!, receipt.GetProperty("version").GetInt64());
    }

    private async Task<JsonElement> RiskAsync(string ward, string family)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{family}/risk", TestCaller.EarlyIntervention(ward));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ContactApiTests.Json(response);
    }

    private static void AssertOneAcceptedOneDuplicate((string Status, long Version)[] receipts)
    {
        Assert.Equal(["accepted", "duplicate"], receipts.Select(r => r.Status).Order(StringComparer.Ordinal));
        Assert.Equal(receipts[0].Version, receipts[1].Version);
    }
}
