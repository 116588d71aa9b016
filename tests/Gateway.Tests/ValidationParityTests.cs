using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The same bad event over both transports: HTTP's problem details and gRPC's field violations name the same fields, and
/// neither records anything. The event is dated an hour ahead in another offset (beyond the 5-minute clock-skew allowance),
/// lacks its ward and carries a field its type does not have.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ValidationParityTests(GatewayFixture gateway)
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    [Fact]
    public async Task A_bad_event_names_the_same_fields_over_http_and_grpc_and_records_nothing()
    {
        var (family, child) = (Ids.Family(), Ids.Child());
        var ahead = DateTimeOffset.UtcNow.AddHours(1).ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
        var born = DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var overGrpc = new ContactEvent
        {
            EventId = Ids.Event(),
            Type = "birth-notified",
            OccurredAt = ahead,
            FamilyId = family,
            ChildId = child,
            Data = new Struct { Fields = { ["dateOfBirth"] = Value.ForString(born), ["colour"] = Value.ForString("blue") } },
        };
        var overHttp = TestEvents.Event(overGrpc.EventId, "birth-notified", family, child, new() { ["dateOfBirth"] = born, ["colour"] = "blue" });
        overHttp["occurredAt"] = ahead;
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, overHttp.ToJsonString());
        var refused = await Assert.ThrowsAsync<RpcException>(() => contacts.RecordAsync(overGrpc, gateway.GrpcHeaders(_midwife)).ResponseAsync);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var httpFields = (await ContactApiTests.Json(response)).GetProperty("errors").EnumerateArray()
            .Select(e => e.GetProperty("field").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var grpcFields = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["data.colour", "data.wardCode", "occurredAt"], httpFields);
        Assert.Equal(httpFields, grpcFields);

        // Nothing was recorded by either: the same id, now valid, is new.
        overGrpc.OccurredAt = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        overGrpc.Data.Fields.Remove("colour");
        overGrpc.Data.Fields["wardCode"] = Value.ForString(Ids.Ward());
        Assert.Equal("accepted", (await contacts.RecordAsync(overGrpc, gateway.GrpcHeaders(_midwife))).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ApiLimits.MaxBatchItems + 1)]
    public async Task An_empty_or_overfull_batch_is_refused_whole_naming_events_on_both_transports(int count)
    {
        var ward = Ids.Ward();
        var events = Enumerable.Range(0, count).Select(_ => TestEvents.FamilyRegistered(Ids.Family(), ward)).ToArray();
        var overGrpc = new ContactBatch();
        overGrpc.Events.AddRange(events.Select(e => GrpcApiTests.FamilyRegistered(e["familyId"]!.GetValue<string>(), ward)));
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife,
            new JsonObject { ["events"] = new JsonArray(events) }.ToJsonString());
        var refused = await Assert.ThrowsAsync<RpcException>(() => contacts.RecordBatchAsync(overGrpc, gateway.GrpcHeaders(_midwife)).ResponseAsync);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["events"], (await ContactApiTests.Json(response)).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(["events"], refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));

        // Nothing of a refused batch was recorded.
        if (count > 0)
        {
            Assert.Equal("accepted", (await contacts.RecordAsync(overGrpc.Events[0], gateway.GrpcHeaders(_midwife))).Status);
        }
    }

    [Fact]
    public async Task Items_that_are_not_objects_are_rejected_in_place_and_the_good_ones_recorded()
    {
        var ward = Ids.Ward();
        var body = $"[{TestEvents.FamilyRegistered(Ids.Family(), ward).ToJsonString()}, 42, \"text\", null, [], {TestEvents.FamilyRegistered(Ids.Family(), ward).ToJsonString()}]";

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipts = (await ContactApiTests.Json(response)).GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(["accepted", "rejected", "rejected", "rejected", "rejected", "accepted"], receipts.Select(r => r.GetProperty("status").GetString()!));
        Assert.All(receipts[1..5], r => Assert.Equal("$", Assert.Single(r.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString()));
    }
}
