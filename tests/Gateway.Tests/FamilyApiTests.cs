using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QpActors.Gateway.Application;
using QpActors.Gateway.Http;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class FamilyApiTests(GatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    [Fact]
    public async Task A_risk_read_answers_the_status_and_the_audit_log_shows_who_read_it()
    {
        var (ward, familyId, childId) = await RegisterFamilyAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);

        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await ContactApiTests.Json(response);
        Assert.Equal(familyId, status.GetProperty("familyId").GetString());
        Assert.Contains(status.GetProperty("suggestedLevel").GetString(), new[] { "universal", "universal-plus", "universal-partnership-plus" });
        Assert.Equal(JsonValueKind.Number, status.GetProperty("score").ValueKind);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("setLevel").ValueKind);
        Assert.Equal(JsonValueKind.Array, status.GetProperty("factors").ValueKind);
        Assert.Equal(JsonValueKind.Array, status.GetProperty("overdueReviews").ValueKind);
        Assert.Equal(JsonValueKind.Array, status.GetProperty("openConcerns").ValueKind);
        Assert.Equal(JsonValueKind.Array, status.GetProperty("history").ValueKind);
        Assert.Contains(status.GetProperty("children").EnumerateArray(), c => c.GetProperty("childId").GetString() == childId);

        var entries = await AuditAsync($"family={familyId}&user={practitioner.Subject}");
        var entry = Assert.Single(entries);
        Assert.Equal(practitioner.Subject, entry.GetProperty("userId").GetString());
        Assert.Equal("early-intervention", entry.GetProperty("role").GetString());
        Assert.Equal(familyId, entry.GetProperty("familyId").GetString());
        Assert.False(entry.GetProperty("breakGlass").GetBoolean());
    }

    [Fact]
    public async Task Outside_its_wards_a_practitioner_needs_a_break_glass_reason_and_the_audit_says_so()
    {
        var (_, familyId, _) = await RegisterFamilyAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());

        using var refused = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await ContactApiTests.Json(refused);
        Assert.Equal("X-Break-Glass-Reason", problem.GetProperty("breakGlassHeader").GetString());

        using var tooShort = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        tooShort.Headers.Add("X-Break-Glass-Reason", "urgent");
        using var shortResponse = await gateway.Http.SendAsync(tooShort);
        Assert.Equal(HttpStatusCode.BadRequest, shortResponse.StatusCode);
        Assert.Contains((await ContactApiTests.Json(shortResponse)).GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "breakGlassReason");

        const string Reason = "Child presented at A&E out of hours; safeguarding check";
        using var withReason = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        withReason.Headers.Add("X-Break-Glass-Reason", Reason);
        using var opened = await gateway.Http.SendAsync(withReason);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);

        var entries = await AuditAsync($"family={familyId}&user={elsewhere.Subject}");
        Assert.Contains(entries, e => e.GetProperty("breakGlass").GetBoolean() && e.GetProperty("reason").GetString() == Reason);
    }

    [Fact]
    public async Task A_break_glass_reason_over_the_maximum_length_is_refused_and_not_audited()
    {
        var (_, familyId, _) = await RegisterFamilyAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());

        using var tooLong = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        tooLong.Headers.Add("X-Break-Glass-Reason", new string('x', FamilyOperations.MaximumBreakGlassReasonLength + 1));
        using var refused = await gateway.Http.SendAsync(tooLong);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await ContactApiTests.Json(refused);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "breakGlassReason");
        Assert.Empty(await AuditAsync($"family={familyId}&user={elsewhere.Subject}"));

        // The maximum itself is a reason like any other.
        using var longest = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        longest.Headers.Add("X-Break-Glass-Reason", new string('x', FamilyOperations.MaximumBreakGlassReasonLength));
        using var opened = await gateway.Http.SendAsync(longest);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
    }

    [Fact]
    public async Task Outside_its_wards_a_practitioner_sets_a_level_only_inside_a_break_glass_window_it_opened()
    {
        var (_, familyId, _) = await RegisterFamilyAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        var body = new JsonObject { ["eventId"] = Ids.Event(), ["level"] = "universal-plus", ["reason"] = "Seen out of hours; agreed extra support with the family" }.ToJsonString();

        using var refused = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", elsewhere, body);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("break-glass", (await ContactApiTests.Json(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var open = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        open.Headers.Add("X-Break-Glass-Reason", "Child presented at A&E out of hours; safeguarding check");
        using (var opened = await gateway.Http.SendAsync(open))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        using var set = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", elsewhere, body);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("accepted", (await ContactApiTests.Json(set)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_familys_risk_json_is_what_the_api_serialiser_writes_for_the_typed_status_byte_for_byte()
    {
        var (ward, familyId, _) = await RegisterFamilyAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);

        // A level decision with characters the encoder escapes, so nulls, nesting and escaping all show.
        var body = new JsonObject { ["eventId"] = Ids.Event(), ["level"] = "universal-plus", ["reason"] = "Mum & baby <isolated>; \"agreed\" extra support – café" }.ToJsonString();
        using (var set = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", practitioner, body))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var family = gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IFamilyGrain>(familyId);
        CallerContext.Set(new Caller(practitioner.Subject, Roles.EarlyIntervention, [ward], null, null));
        FamilyRiskJson json;
        FamilyRiskRead typed;
        try
        {
            json = await family.ReadRiskStatusJsonAsync(new ReadPurpose("risk-status", null));
            typed = await family.ReadRiskStatusAsync(new ReadPurpose("risk-status", null));
        }
        finally
        {
            CallerContext.Clear();
        }

        Assert.Equal(AccessOutcome.Granted, json.Outcome);
        var written = System.Text.Encoding.UTF8.GetString([.. json.Head.Span, .. json.Tail.Span]);
        var asOf = JsonDocument.Parse(written).RootElement.GetProperty("asOf").GetDateTimeOffset();
        var options = gateway.GatewayServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var expected = JsonSerializer.Serialize(RiskStatusResponse.From(typed.Status! with { AsOf = asOf }), options);
        Assert.Equal(expected, written);
        Assert.Contains("setLevelDecision\":{", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_risk_read_after_a_new_event_shows_the_event_and_each_read_its_own_instant()
    {
        var (ward, familyId, _) = await RegisterFamilyAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        using var before = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
        var first = await ContactApiTests.Json(before);
        using var again = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
        var second = await ContactApiTests.Json(again);

        var body = new JsonObject { ["eventId"] = Ids.Event(), ["level"] = "universal-partnership-plus", ["reason"] = "Strategy meeting agreed a lead professional" }.ToJsonString();
        using (var set = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", practitioner, body))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using var after = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
        var third = await ContactApiTests.Json(after);

        Assert.Equal("application/json; charset=utf-8", after.Content.Headers.ContentType?.ToString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("setLevel").ValueKind);
        Assert.Equal(first.GetProperty("version").GetInt64(), second.GetProperty("version").GetInt64());
        Assert.True(second.GetProperty("asOf").GetDateTimeOffset() > first.GetProperty("asOf").GetDateTimeOffset());
        Assert.Equal("universal-partnership-plus", third.GetProperty("setLevel").GetString());
        Assert.True(third.GetProperty("version").GetInt64() > second.GetProperty("version").GetInt64());
        Assert.Contains(third.GetProperty("recentEvents").EnumerateArray(), e => e.GetProperty("type").GetString() == "service-level-set");
        Assert.True(third.GetProperty("asOf").GetDateTimeOffset() > second.GetProperty("asOf").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("{\"eventId\":\"e-level-1\",\"level\":\"top\",\"reason\":\"a good reason\"}", "level")]
    [InlineData("{\"eventId\":\"e-level-1\",\"level\":\"universal\"}", "reason")]
    [InlineData("{\"eventId\":\"e-level-1\",\"level\":\"universal\",\"reason\":\"ok reason\",\"score\":3}", "score")]
    [InlineData("{\"eventId\":\"e-level-1\",\"level\":7,\"reason\":\"ok reason\"}", "level")]
    [InlineData("{\"eventId\":7,\"level\":\"universal\",\"reason\":\"ok reason\"}", "eventId")]
    [InlineData("{\"eventId\":\"not an id\",\"level\":\"universal\",\"reason\":\"ok reason\"}", "eventId")]
    [InlineData("{\"level\":\"universal\",\"reason\":\"ok reason\"}", "eventId")]
    public async Task An_invalid_level_decision_is_a_problem_naming_the_field(string body, string field)
    {
        var practitioner = TestCaller.EarlyIntervention(Ids.Ward());

        using var response = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{Ids.Family()}/level", practitioner, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await ContactApiTests.Json(response)).GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task Only_the_familys_own_ward_team_may_set_its_level()
    {
        var (_, familyId, _) = await RegisterFamilyAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        var body = new JsonObject { ["eventId"] = Ids.Event(), ["level"] = "universal-partnership-plus", ["reason"] = "Not my family" }.ToJsonString();

        using var response = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", elsewhere, body);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_family_is_not_found()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{Ids.Family()}/risk", TestCaller.EarlyIntervention(Ids.Ward()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<(string Ward, string FamilyId, string ChildId)> RegisterFamilyAsync()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        var childId = Ids.Child();
        var batch = new JsonArray(TestEvents.FamilyRegistered(familyId, ward), TestEvents.BirthNotified(familyId, childId, ward));
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await ContactApiTests.Json(response)).GetProperty("accepted").GetInt32());
        return (ward, familyId, childId);
    }

    private async Task<JsonElement[]> AuditAsync(string query)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + query, TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }
}
