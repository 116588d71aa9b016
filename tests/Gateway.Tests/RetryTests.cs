using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A device retries: the same event id sent again, at once, over the other transport, after its grain was deactivated. The
/// same event again (its fields compared as values) answers the original receipt (status duplicate, the original's version)
/// and changes nothing; another event under the id (another type, time, payload or entity) is rejected naming eventId and
/// changes nothing, since a device drops an event answered as a duplicate. An id another recorder's event holds is rejected
/// too, telling the sender nothing of that event.
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
    public async Task An_event_id_sent_again_with_another_type_child_payload_time_or_family_is_rejected_naming_event_id_and_changes_nothing()
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
        var otherTime = TestEvents.Event(eventId, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-2));
        var otherData = TestEvents.Event(eventId, "ae-attendance", family, child, new JsonObject { ["reason"] = "fall" }, OccurredAt(attendance));
        var familyEvent = TestEvents.ConcernRaised(family, "housing", eventId);
        var otherFamily = TestEvents.FamilyRegistered(Ids.Family(), ward, eventId: eventId);
        JsonObject[] others = [otherPayload, otherChild, otherTime, otherData, familyEvent, otherFamily];

        // Singly over HTTP and gRPC, and in a batch on both, with the grain's memory holding the id, then rebuilt from the journal.
        await AssertEachRefusedAsync(others);
        await gateway.DeactivateAsync(Grains.GetGrain<IChildGrain>(child));
        await AssertEachRefusedAsync(others);

        await gateway.DrainAsync();
        var after = await RiskAsync(ward, family);
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal(before.GetProperty("score").GetInt32(), after.GetProperty("score").GetInt32());
        Assert.Equal(before.GetProperty("openConcerns").GetRawText(), after.GetProperty("openConcerns").GetRawText());
        Assert.Equal(before.GetProperty("children").GetRawText(), after.GetProperty("children").GetRawText());
        Assert.Equal(before.GetProperty("history").GetArrayLength(), after.GetProperty("history").GetArrayLength());
        using var unknown = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{otherFamily["familyId"]}/risk", TestCaller.EarlyIntervention(ward));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The event itself, sent again, still answers its receipt.
        Assert.Equal(("duplicate", original.Version), await PostAsync(attendance.ToJsonString()));
    }

    [Fact]
    public async Task The_same_event_written_with_other_key_order_spacing_nulls_or_offset_answers_duplicate_on_every_path()
    {
        var (_, family, child) = await BornAsync();
        var eventId = Ids.Event();
        // Whole seconds, as the test events write their instants.
        var occurredAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeSeconds());
        var original = await PostAsync(TestEvents.Event(eventId, "ae-attendance", family, child, [], occurredAt).ToJsonString());
        Assert.Equal("accepted", original.Status);

        // The same fields: reordered and spaced, the optional reason an explicit null, and the instant in another offset.
        var rewritten = $$"""
            {  "data" : { "reason" : null },
               "childId":"{{child}}", "familyId" : "{{family}}",
               "occurredAt": "{{Written(occurredAt, -5)}}",
               "type":"ae-attendance", "eventId":"{{eventId}}" }
            """;
        var overGrpc = new ContactEvent
        {
            EventId = eventId,
            Type = "ae-attendance",
            OccurredAt = Written(occurredAt, 9),
            FamilyId = family,
            ChildId = child,
            Data = new Struct { Fields = { ["reason"] = Value.ForNull() } },
        };
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);

        // From the grain's memory, then from the journal row after a deactivation.
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(("duplicate", original.Version), await PostAsync(rewritten));
            var batch = await BatchAsync($"[{rewritten}]");
            Assert.Equal(("duplicate", original.Version), (batch[0].GetProperty("status").GetString(), batch[0].GetProperty("version").GetInt64()));
            var single = await contacts.RecordAsync(overGrpc, gateway.GrpcHeaders(_healthVisitor));
            Assert.Equal(("duplicate", original.Version), (single.Status, single.Version));
            var inBatch = await contacts.RecordBatchAsync(new ContactBatch { Events = { overGrpc } }, gateway.GrpcHeaders(_healthVisitor));
            Assert.Equal(("duplicate", original.Version), (inBatch.Receipts[0].Status, inBatch.Receipts[0].Version));
            await gateway.DeactivateAsync(Grains.GetGrain<IChildGrain>(child));
        }
    }

    [Fact]
    public async Task A_family_event_and_a_champion_and_a_service_drop_in_sent_again_answer_duplicate_and_another_event_under_their_ids_is_refused()
    {
        var (ward, family, _) = await BornAsync();
        var championId = "champion-" + Ids.Short();
        var champion = TestCaller.ChampionOf(championId, ward);
        var concern = TestEvents.ConcernRaised(family, "housing");
        var championDropIn = TestEvents.Event(null, "drop-in-hosted", null, null, new JsonObject { ["session"] = "sounds-like-fun", ["championId"] = championId, ["attendance"] = 6 });
        var serviceDropIn = TestEvents.Event(null, "drop-in-hosted", null, null, new JsonObject { ["session"] = "maternity-drop-in", ["attendance"] = 4 });
        var cases = new (JsonObject Event, TestCaller Caller, JsonObject Other, IAddressable Grain)[]
        {
            (concern, _healthVisitor, TestEvents.ConcernRaised(family, "domestic-abuse", Id(concern)), Grains.GetGrain<IFamilyGrain>(family)),
            (championDropIn, champion, TestEvents.Event(Id(championDropIn), "drop-in-hosted", null, null, new JsonObject { ["session"] = "sounds-like-fun", ["championId"] = championId, ["attendance"] = 7 }, OccurredAt(championDropIn)), Grains.GetGrain<IChampionGrain>(championId)),
            (serviceDropIn, _healthVisitor, TestEvents.Event(Id(serviceDropIn), "drop-in-hosted", null, null, new JsonObject { ["session"] = "sounds-like-fun", ["attendance"] = 4 }, OccurredAt(serviceDropIn)), Grains.GetGrain<IServiceGrain>("health-visiting")),
        };

        foreach (var (original, caller, other, grain) in cases)
        {
            var first = await PostAsync(original.ToJsonString(), caller);
            Assert.Equal("accepted", first.Status);

            // From the grain's memory, then from the journal row after a deactivation.
            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(("duplicate", first.Version), await PostAsync(original.ToJsonString(), caller));
                await AssertRefusedAsync(await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, other.ToJsonString()));
                var receipts = await BatchAsync(new JsonArray(other.DeepClone(), original.DeepClone()).ToJsonString(), caller);
                AssertRefused(receipts[0]);
                Assert.Equal(("duplicate", first.Version), (receipts[1].GetProperty("status").GetString(), receipts[1].GetProperty("version").GetInt64()));
                await gateway.DeactivateAsync(grain);
            }
        }
    }

    [Fact]
    public async Task Two_events_sent_at_once_under_one_id_for_a_family_and_for_its_child_record_one_and_refuse_the_other()
    {
        var (_, family, child) = await BornAsync();
        var eventId = Ids.Event();

        var responses = await Task.WhenAll(
            SendAsync(TestEvents.ConcernRaised(family, "housing", eventId).ToJsonString()),
            SendAsync(TestEvents.Event(eventId, "ae-attendance", family, child, []).ToJsonString()));

        await AssertOneAcceptedOneRefusedAsync(responses);
    }

    [Fact]
    public async Task Two_events_sent_at_once_under_one_id_for_one_child_record_one_and_refuse_the_other()
    {
        var (_, family, child) = await BornAsync();
        var eventId = Ids.Event();

        var responses = await Task.WhenAll(
            SendAsync(TestEvents.Event(eventId, "ae-attendance", family, child, []).ToJsonString()),
            SendAsync(TestEvents.Event(eventId, "immunisation-given", family, child, new JsonObject { ["vaccine"] = "mmr" }).ToJsonString()));

        await AssertOneAcceptedOneRefusedAsync(responses);
    }

    [Fact]
    public async Task An_event_twice_in_one_batch_is_recorded_once_and_another_event_under_its_id_is_refused_in_batch_order()
    {
        var (ward, family, child) = await BornAsync();
        var sibling = Ids.Child();
        var eventId = Ids.Event();
        var attendance = TestEvents.Event(eventId, "ae-attendance", family, child, []);
        var batch = new JsonArray(
            TestEvents.BirthNotified(family, sibling, ward, daysAgo: 5),
            attendance,
            TestEvents.Event(eventId, "ae-attendance", family, sibling, []),
            attendance.DeepClone());
        var grpcBatch = new ContactBatch();
        foreach (var item in batch)
        {
            grpcBatch.Events.Add(ToGrpc(item!.AsObject()));
        }

        var receipts = await BatchAsync(batch.ToJsonString());
        var overGrpc = await new ContactsService.ContactsServiceClient(gateway.Grpc).RecordBatchAsync(grpcBatch, gateway.GrpcHeaders(_healthVisitor));

        Assert.Equal(["accepted", "accepted", "rejected", "duplicate"], receipts.Select(r => r.GetProperty("status").GetString()));
        AssertRefused(receipts[2]);
        Assert.Equal(receipts[1].GetProperty("version").GetInt64(), receipts[3].GetProperty("version").GetInt64());

        // The same batch sent again over gRPC answers as retries: what was recorded as duplicates, the other event refused.
        Assert.Equal(["duplicate", "duplicate", "rejected", "duplicate"], overGrpc.Receipts.Select(r => r.Status));
        Assert.Equal([("eventId", ContactReceipt.HoldsAnotherEvent)], overGrpc.Receipts[2].Errors.Select(e => (e.Field, e.Message)));
        Assert.Equal(receipts[1].GetProperty("version").GetInt64(), overGrpc.Receipts[3].Version);
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

    private async Task<(string Status, long Version)> PostAsync(string body, TestCaller? caller = null)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller ?? _healthVisitor, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await ContactApiTests.Json(response);
        return (receipt.GetProperty("status").GetString()!, receipt.GetProperty("version").GetInt64());
    }

    private Task<HttpResponseMessage> SendAsync(string body) => gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, body);

    private async Task<JsonElement[]> BatchAsync(string body, TestCaller? caller = null)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", caller ?? _healthVisitor, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("receipts").EnumerateArray().ToArray();
    }

    private IGrainFactory Grains => gateway.GatewayServices.GetRequiredService<IGrainFactory>();

    private static string Id(JsonObject wire) => wire["eventId"]!.GetValue<string>();

    private static DateTimeOffset OccurredAt(JsonObject wire) => DateTimeOffset.Parse(wire["occurredAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private static string Written(DateTimeOffset at, int offsetHours) =>
        at.ToOffset(TimeSpan.FromHours(offsetHours)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>The event as the gRPC message carries it: the same fields, the data as a Struct.</summary>
    internal static ContactEvent ToGrpc(JsonObject wire)
    {
        var message = new ContactEvent
        {
            EventId = Id(wire),
            Type = wire["type"]!.GetValue<string>(),
            OccurredAt = wire["occurredAt"]!.GetValue<string>(),
            Data = Struct.Parser.ParseJson(wire["data"]!.ToJsonString()),
        };
        if (wire["familyId"] is { } familyId)
        {
            message.FamilyId = familyId.GetValue<string>();
        }

        if (wire["childId"] is { } childId)
        {
            message.ChildId = childId.GetValue<string>();
        }

        return message;
    }

    /// <summary>Each event is refused naming eventId, singly and in a batch, over HTTP and over gRPC.</summary>
    private async Task AssertEachRefusedAsync(JsonObject[] events)
    {
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        foreach (var wire in events)
        {
            await AssertRefusedAsync(await SendAsync(wire.ToJsonString()));
            var overGrpc = ToGrpc(wire);
            var refused = await Assert.ThrowsAsync<RpcException>(() => contacts.RecordAsync(overGrpc, gateway.GrpcHeaders(_healthVisitor)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            var violation = Assert.Single(refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
            Assert.Equal(("eventId", ContactReceipt.HoldsAnotherEvent), (violation.Field, violation.Description));
            var inGrpcBatch = await contacts.RecordBatchAsync(new ContactBatch { Events = { overGrpc } }, gateway.GrpcHeaders(_healthVisitor));
            Assert.Equal(("rejected", 0L), (inGrpcBatch.Receipts[0].Status, inGrpcBatch.Receipts[0].Version));
            Assert.Equal([("eventId", ContactReceipt.HoldsAnotherEvent)], inGrpcBatch.Receipts[0].Errors.Select(e => (e.Field, e.Message)));
        }

        var receipts = await BatchAsync(new JsonArray([.. events.Select(e => e.DeepClone())]).ToJsonString());
        Assert.All(receipts, AssertRefused);
    }

    /// <summary>A single event refused as another event under a taken id: 400, naming eventId and what to do.</summary>
    internal static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await ContactApiTests.Json(response);
            var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
            Assert.Equal(("eventId", ContactReceipt.HoldsAnotherEvent), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
            Assert.False(problem.TryGetProperty("version", out _));
        }
    }

    /// <summary>A batch item refused as another event under a taken id: rejected, version 0, naming eventId.</summary>
    internal static void AssertRefused(JsonElement receipt)
    {
        Assert.Equal(("rejected", 0L), (receipt.GetProperty("status").GetString(), receipt.GetProperty("version").GetInt64()));
        var error = Assert.Single(receipt.GetProperty("errors").EnumerateArray());
        Assert.Equal(("eventId", ContactReceipt.HoldsAnotherEvent), (error.GetProperty("field").GetString(), error.GetProperty("message").GetString()));
    }

    private static async Task AssertOneAcceptedOneRefusedAsync(HttpResponseMessage[] responses)
    {
        var accepted = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        using (accepted)
        {
            Assert.Equal("accepted", (await ContactApiTests.Json(accepted)).GetProperty("status").GetString());
        }

        await AssertRefusedAsync(Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK));
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
