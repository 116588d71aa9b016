using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;
using QpActors.Tests.Shared;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A device sends its queue again after the silo and gateway restarted on PostgreSQL: no grain holds the ids in memory, so
/// each answer comes from the journal's row. The same event (written otherwise) is a duplicate with its original version;
/// another event under the id is refused naming eventId and changes nothing; for a child's, a family's, a champion's and a
/// service's events.
/// </summary>
[Collection(PostgresGatewayCollection.Name)]
public sealed class RepeatAfterRestartTests(PostgresGatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    [PostgresFact]
    public async Task After_a_restart_the_same_event_answers_its_original_receipt_and_another_under_its_id_is_refused()
    {
        var (ward, family, child) = (Ids.Ward(), Ids.Family(), Ids.Child());
        var championId = "champion-" + Ids.Short();
        var champion = TestCaller.ChampionOf(championId, ward);
        Assert.Equal("accepted", (await PostAsync(_healthVisitor, TestEvents.FamilyRegistered(family, ward))).Status);
        Assert.Equal("accepted", (await PostAsync(_healthVisitor, TestEvents.BirthNotified(family, child, ward))).Status);
        var at = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds());
        var (attendance, concern, championDropIn, serviceDropIn) = (Ids.Event(), Ids.Event(), Ids.Event(), Ids.Event());
        var cases = new (TestCaller Caller, JsonObject Event, JsonObject Other)[]
        {
            (_healthVisitor,
                TestEvents.Event(attendance, "ae-attendance", family, child, [], at),
                TestEvents.Event(attendance, "ae-attendance", family, child, new JsonObject { ["reason"] = "fall" }, at)),
            (_healthVisitor,
                TestEvents.Event(concern, "concern-raised", family, null, new JsonObject { ["concern"] = "housing" }, at),
                TestEvents.Event(concern, "concern-raised", family, null, new JsonObject { ["concern"] = "housing" }, at.AddMinutes(1))),
            (champion,
                TestEvents.Event(championDropIn, "drop-in-hosted", null, null, new JsonObject { ["session"] = "sounds-like-fun", ["championId"] = championId, ["attendance"] = 6 }, at),
                TestEvents.Event(championDropIn, "drop-in-hosted", null, null, new JsonObject { ["session"] = "sounds-like-fun", ["championId"] = championId }, at)),
            (_healthVisitor,
                TestEvents.Event(serviceDropIn, "drop-in-hosted", null, null, new JsonObject { ["session"] = "maternity-drop-in", ["attendance"] = 4 }, at),
                TestEvents.Event(serviceDropIn, "ae-attendance", family, child, [], at)),
        };
        var versions = new List<long>();
        foreach (var (caller, wire, _) in cases)
        {
            var receipt = await PostAsync(caller, wire);
            Assert.Equal("accepted", receipt.Status);
            versions.Add(receipt.Version);
        }

        await gateway.DrainAsync();
        var before = await gateway.RiskStatusAsync(TestCaller.EarlyIntervention(ward), family);

        await gateway.RestartAsync();

        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        for (var i = 0; i < cases.Length; i++)
        {
            var (caller, wire, other) = cases[i];

            // The same event with its keys in another order and its instant in another offset.
            var rewritten = new JsonObject(wire.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))
            {
                ["occurredAt"] = at.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            };
            Assert.Equal(("duplicate", versions[i]), await PostAsync(caller, rewritten));
            await RetryTests.AssertRefusedAsync(await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, other.ToJsonString()));
            using var batch = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", caller, new JsonArray(wire.DeepClone(), other.DeepClone()).ToJsonString());
            Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
            var receipts = (await ContactApiTests.Json(batch)).GetProperty("receipts").EnumerateArray().ToArray();
            Assert.Equal(("duplicate", versions[i]), (receipts[0].GetProperty("status").GetString(), receipts[0].GetProperty("version").GetInt64()));
            RetryTests.AssertRefused(receipts[1]);
            var overGrpc = await Assert.ThrowsAsync<RpcException>(() => contacts.RecordAsync(RetryTests.ToGrpc(other), gateway.GrpcHeaders(caller)).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
            var violation = Assert.Single(overGrpc.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
            Assert.Equal(("eventId", ContactReceipt.HoldsAnotherEvent), (violation.Field, violation.Description));
        }

        // Nothing the refused events carried reached the family.
        await gateway.DrainAsync();
        var after = await gateway.RiskStatusAsync(TestCaller.EarlyIntervention(ward), family);
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal(before.GetProperty("score").GetInt32(), after.GetProperty("score").GetInt32());
        Assert.Equal(before.GetProperty("children").GetRawText(), after.GetProperty("children").GetRawText());
    }

    private async Task<(string Status, long Version)> PostAsync(TestCaller caller, JsonObject wire)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, wire.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await ContactApiTests.Json(response);
        return (receipt.GetProperty("status").GetString()!, receipt.GetProperty("version").GetInt64());
    }
}
