using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ContactApiTests(GatewayFixture gateway)
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    [Fact]
    public async Task Recording_an_event_answers_an_accepted_receipt()
    {
        var birth = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward());

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, birth.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await Json(response);
        Assert.Equal(birth["eventId"]!.GetValue<string>(), receipt.GetProperty("eventId").GetString());
        Assert.Equal("accepted", receipt.GetProperty("status").GetString());
        Assert.True(receipt.GetProperty("version").GetInt64() >= 1);
        Assert.False(receipt.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task Reposting_an_event_returns_the_original_receipt_as_a_duplicate()
    {
        var birth = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward()).ToJsonString();

        using var first = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, birth);
        using var again = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, birth);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var original = await Json(first);
        var repeated = await Json(again);
        Assert.Equal("accepted", original.GetProperty("status").GetString());
        Assert.Equal("duplicate", repeated.GetProperty("status").GetString());
        Assert.Equal(original.GetProperty("version").GetInt64(), repeated.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_batch_with_a_bad_item_records_the_good_ones_and_rejects_the_bad_one_with_its_errors()
    {
        var ward = Ids.Ward();
        var good1 = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward);
        var bad = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward);
        bad["data"]!.AsObject().Remove("dateOfBirth");
        var good2 = TestEvents.FamilyRegistered(Ids.Family(), ward);
        var batch = new JsonObject { ["events"] = new JsonArray(good1, bad, good2) };

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, batch.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json(response);
        var receipts = body.GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(["accepted", "rejected", "accepted"], receipts.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal([0, 1, 2], receipts.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(bad["eventId"]!.GetValue<string>(), receipts[1].GetProperty("eventId").GetString());
        Assert.Contains(receipts[1].GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "data.dateOfBirth");
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("rejected").GetInt32());
    }

    [Fact]
    public async Task A_batch_with_several_items_for_one_child_answers_each_item_in_place()
    {
        var (ward, family, child, other) = (Ids.Ward(), Ids.Family(), Ids.Child(), Ids.Child());
        var birth = TestEvents.BirthNotified(family, child, ward, daysAgo: 20);
        var aande = TestEvents.Event(null, "ae-attendance", family, child, [], DateTimeOffset.UtcNow.AddDays(-3));
        var otherBirth = TestEvents.BirthNotified(family, other, ward, daysAgo: 5);
        var missed = TestEvents.Event(null, "appointment-missed", family, child, new JsonObject { ["service"] = "health-visiting" }, DateTimeOffset.UtcNow.AddDays(-1));
        var batch = new JsonArray(birth, aande, otherBirth, aande.DeepClone(), missed);

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, batch.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json(response);
        var receipts = body.GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(["accepted", "accepted", "accepted", "duplicate", "accepted"], receipts.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal([0, 1, 2, 3, 4], receipts.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([1L, 2L, 1L, 2L, 3L], receipts.Select(r => r.GetProperty("version").GetInt64()));
        Assert.Equal(batch.Select(e => e!["eventId"]!.GetValue<string>()), receipts.Select(r => r.GetProperty("eventId").GetString()));
    }

    [Fact]
    public async Task Copies_of_a_family_event_in_one_batch_accept_the_first_in_batch_order_and_answer_the_rest_as_duplicates()
    {
        // Items without a child are recorded in parallel, so copies would race for the family grain.
        const int Copies = 12;
        var ward = Ids.Ward();
        var registered = TestEvents.FamilyRegistered(Ids.Family(), ward);
        var batch = new JsonArray([.. Enumerable.Range(0, Copies).Select(_ => registered.DeepClone())]);

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, batch.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json(response);
        var receipts = body.GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(["accepted", .. Enumerable.Repeat("duplicate", Copies - 1)], receipts.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(Enumerable.Repeat(1L, Copies), receipts.Select(r => r.GetProperty("version").GetInt64()));
        Assert.Equal((1, Copies - 1), (body.GetProperty("accepted").GetInt32(), body.GetProperty("duplicates").GetInt32()));
    }

    [Fact]
    public async Task A_batch_naming_more_children_than_it_calls_at_once_answers_every_item_in_place()
    {
        // More children than Api:BatchCallsInFlight (16), so the batch is routed in several waves.
        var (ward, family) = (Ids.Ward(), Ids.Family());
        var children = Enumerable.Range(0, 40).Select(_ => Ids.Child()).ToArray();
        var batch = new JsonArray(children.Select(child => (JsonNode)TestEvents.BirthNotified(family, child, ward, daysAgo: 20)).ToArray());
        batch.Add(TestEvents.Event(null, "ae-attendance", family, children[0], [], DateTimeOffset.UtcNow.AddDays(-3)));

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, batch.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json(response);
        var receipts = body.GetProperty("receipts").EnumerateArray().ToArray();
        Assert.Equal(41, body.GetProperty("accepted").GetInt32());
        Assert.Equal(Enumerable.Range(0, 41), receipts.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(batch.Select(e => e!["eventId"]!.GetValue<string>()), receipts.Select(r => r.GetProperty("eventId").GetString()));
        Assert.Equal([.. Enumerable.Repeat(1L, 40), 2L], receipts.Select(r => r.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task An_invalid_event_is_a_problem_listing_every_field_error_and_changes_nothing()
    {
        var birth = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward());
        var invalid = birth.DeepClone().AsObject();
        invalid["occurredAt"] = "yesterday";
        invalid["data"]!["wardCode"] = "Not A Ward";
        invalid["data"]!["colour"] = "blue";

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, invalid.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToArray();
        Assert.Contains("occurredAt", fields);
        Assert.Contains("data.wardCode", fields);
        Assert.Contains("data.colour", fields);
        Assert.All(problem.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString())));

        // Nothing was recorded: the same event id, now valid, is new.
        using var valid = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, birth.ToJsonString());
        Assert.Equal("accepted", (await Json(valid)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("{not json", "$")]
    [InlineData("[]", "$")]
    [InlineData("{\"eventId\":\"e-1\",\"type\":\"tea-party\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"familyId\":\"f-1\"}", "type")]
    [InlineData("{\"eventId\":\"e 1\",\"type\":\"family-registered\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"familyId\":\"f-1\",\"data\":{\"wardCode\":\"queens-park\",\"housing\":\"other\"}}", "eventId")]
    [InlineData("{\"eventId\":\"e-1\",\"type\":\"family-registered\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"familyId\":\"f-1\",\"recordedBy\":\"service:x\",\"data\":{\"wardCode\":\"queens-park\",\"housing\":\"other\"}}", "recordedBy")]
    public async Task Malformed_bodies_are_problems_naming_the_field(string body, string field)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Json(response);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_413_problem_details()
    {
        var padding = new string('x', (int)ApiLimits.MaxRequestBodyBytes + 1024);
        var body = new JsonObject { ["events"] = new JsonArray(), ["padding"] = padding }.ToJsonString();

        // The gateway refuses from the Content-Length header, before reading the body, and then closes the connection
        // rather than drain a body over the limit. A client still writing it can hit a broken pipe before it reads the
        // answer (this test failed so in a clean-clone CI run), so it sends the body only after a 100 Continue, as a
        // client uploading a large queue should: the 413 comes instead, and nothing is written into a closing socket.
        using var request = gateway.Request(HttpMethod.Post, "/v1/contacts/batch", _midwife, body);
        request.Headers.ExpectContinue = true;
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (await Json(response)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_batch_over_the_item_limit_is_refused_whole()
    {
        var ward = Ids.Ward();
        var items = new JsonArray();
        for (var i = 0; i <= ApiLimits.MaxBatchItems; i++)
        {
            items.Add(new JsonObject { ["eventId"] = "e" + i });
        }

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, new JsonObject { ["events"] = items }.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await Json(response)).GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "events");
    }

    [Fact]
    public async Task A_champion_may_not_credit_another_champion()
    {
        var champion = TestCaller.ChampionOf("champion-" + Ids.Short());
        var outreach = TestEvents.Event(null, "champion-outreach", Ids.Family(), null, new JsonObject { ["championId"] = "someone-else" });

        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", champion, outreach.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await Json(response)).GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "data.championId");
    }

    internal static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
