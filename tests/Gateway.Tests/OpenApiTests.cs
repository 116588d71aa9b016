using System.Net;

namespace QpActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class OpenApiTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("/v1/contacts")]
    [InlineData("/v1/contacts/batch")]
    [InlineData("/v1/families/{familyId}/risk")]
    [InlineData("/v1/families/{familyId}/level")]
    [InlineData("/v1/worklist")]
    [InlineData("/v1/wards/{wardCode}/unreached")]
    [InlineData("/v1/wards/{wardCode}/figures")]
    [InlineData("/v1/wards/{wardCode}/figures/history")]
    [InlineData("/v1/areas/{areaId}/figures")]
    [InlineData("/v1/areas/{areaId}/figures/history")]
    [InlineData("/v1/stream/risk")]
    [InlineData("/v1/stream/figures")]
    [InlineData("/v1/audit")]
    [InlineData("/v1/champions/{championId}/summary")]
    [InlineData("/v1/services/{serviceId}/summary")]
    public async Task The_openapi_document_describes_every_route(string path)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await ContactApiTests.Json(response);
        Assert.True(document.GetProperty("paths").TryGetProperty(path, out _), path + " is missing");
    }

    /// <summary>Each operation is filed under the part of the API its callers look for it in, one tag each.</summary>
    [Theory]
    [InlineData("/v1/contacts", "post", "Contacts")]
    [InlineData("/v1/contacts/batch", "post", "Contacts")]
    [InlineData("/v1/event-types", "get", "Contacts")]
    [InlineData("/v1/families/{familyId}/risk", "get", "Families")]
    [InlineData("/v1/families/{familyId}/level", "put", "Families")]
    [InlineData("/v1/worklist", "get", "Wards")]
    [InlineData("/v1/wards/{wardCode}/unreached", "get", "Wards")]
    [InlineData("/v1/wards/{wardCode}/figures", "get", "Figures")]
    [InlineData("/v1/wards/{wardCode}/figures/history", "get", "Figures")]
    [InlineData("/v1/areas/{areaId}/figures", "get", "Figures")]
    [InlineData("/v1/areas/{areaId}/figures/history", "get", "Figures")]
    [InlineData("/v1/stream/risk", "get", "Live streams")]
    [InlineData("/v1/stream/figures", "get", "Live streams")]
    [InlineData("/v1/audit", "get", "Audit")]
    [InlineData("/v1/champions/{championId}/summary", "get", "Summaries")]
    [InlineData("/v1/services/{serviceId}/summary", "get", "Summaries")]
    public async Task Each_operation_is_filed_under_its_part_of_the_api(string path, string method, string tag)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var operation = (await ContactApiTests.Json(response)).GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.Equal([tag], operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("/v1/contacts", "post", new[] { "200", "400", "401", "403", "413", "415", "422", "503" })]
    [InlineData("/v1/contacts/batch", "post", new[] { "200", "400", "401", "403", "413", "415", "503" })]
    [InlineData("/v1/families/{familyId}/level", "put", new[] { "200", "400", "401", "403", "404", "413", "415", "503" })]
    [InlineData("/v1/families/{familyId}/risk", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    [InlineData("/v1/worklist", "get", new[] { "200", "400", "401", "403", "503" })]
    [InlineData("/v1/wards/{wardCode}/unreached", "get", new[] { "200", "400", "401", "403", "503" })]
    [InlineData("/v1/event-types", "get", new[] { "200", "401" })]
    [InlineData("/v1/audit", "get", new[] { "200", "400", "401", "403", "503" })]
    [InlineData("/v1/wards/{wardCode}/figures", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    [InlineData("/v1/wards/{wardCode}/figures/history", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    [InlineData("/v1/areas/{areaId}/figures", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    [InlineData("/v1/areas/{areaId}/figures/history", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    [InlineData("/v1/stream/risk", "get", new[] { "200", "400", "401", "403", "429" })]
    [InlineData("/v1/stream/figures", "get", new[] { "200", "400", "401", "403", "404", "429", "503" })]
    [InlineData("/v1/champions/{championId}/summary", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    [InlineData("/v1/services/{serviceId}/summary", "get", new[] { "200", "400", "401", "403", "404", "503" })]
    public async Task The_routes_declare_the_statuses_they_answer_with(string path, string method, string[] statuses)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var declared = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses").EnumerateObject().Select(p => p.Name);
        Assert.Equal(statuses, declared.Order(StringComparer.Ordinal));
    }

    /// <summary>The summaries' field names are the contract a champion's or a service's app codes against: pinned here.</summary>
    [Theory]
    [InlineData("ChampionSummaryResponse", new[] { "championId", "dropInsHosted", "familiesSignposted", "outreachContacts", "signpostedByService", "signpostedThenReached", "surveysRun", "version" })]
    [InlineData("ServiceSummaryResponse", new[]
    {
        "activeChildren", "activeFamilies", "averageSatisfaction", "contactsByType", "contactsLast12Months", "contactsThisMonth", "dropInsHosted",
        "missedAppointmentRate", "missedAppointments", "referralsIn", "referralsOut", "satisfactionResponses", "serviceId", "version",
    })]
    public async Task The_summaries_are_documented_with_their_field_names(string schema, string[] fields)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var described = (await ContactApiTests.Json(response)).GetProperty("components").GetProperty("schemas").GetProperty(schema);
        Assert.Equal(fields, described.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("ReviewView", "dueFrom", "date")]
    [InlineData("ReviewView", "dueBy", "date")]
    [InlineData("ReviewView", "completedOn", "date")]
    [InlineData("OverdueReviewView", "dueBy", "date")]
    [InlineData("ChildRiskView", "dateOfBirth", "date")]
    [InlineData("ChildRiskView", "expectedDueDate", "date")]
    [InlineData("UnreachedInfant", "dateOfBirth", "date")]
    [InlineData("RiskStatusResponse", "asOf", "date-time")]
    [InlineData("ConcernView", "raisedOn", "date-time")]
    [InlineData("WorklistItem", "updatedAt", "date-time")]
    [InlineData("WorklistItem", "riskChangedAt", "date-time")]
    [InlineData("WorklistItem", "levelChangedAt", "date-time")]
    [InlineData("FiguresHistoryMonth", "takenAt", "date-time")]
    public async Task Calendar_dates_are_documented_as_dates_and_instants_as_instants(string schema, string property, string format)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var described = document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties").GetProperty(property);
        Assert.Equal(format, described.GetProperty("format").GetString());
    }

    [Theory]
    [InlineData("awaitingDecision", "boolean", null)]
    [InlineData("changedSince", "string", "date-time")]
    [InlineData("overdueReview", "boolean", null)]
    [InlineData("page", "integer", "int32")]
    [InlineData("pageSize", "integer", "int32")]
    public async Task The_worklists_query_parameters_are_documented_with_their_types(string name, string type, string? format)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var get = document.GetProperty("paths").GetProperty("/v1/worklist").GetProperty("get");
        var parameter = get.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        Assert.Equal("query", parameter.GetProperty("in").GetString());
        Assert.False(string.IsNullOrWhiteSpace(parameter.GetProperty("description").GetString()));
        var schema = parameter.GetProperty("schema");
        Assert.Equal(type, schema.GetProperty("type").GetString());
        Assert.Equal(format, schema.TryGetProperty("format", out var written) ? written.GetString() : null);
        Assert.Contains("awaitingDecision", get.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("changedSince", get.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worklists_levels_and_concerns_are_listed_as_their_values()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var parameters = document.GetProperty("paths").GetProperty("/v1/worklist").GetProperty("get").GetProperty("parameters").EnumerateArray().ToArray();
        string[] Values(string name) => [.. parameters.Single(p => p.GetProperty("name").GetString() == name).GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];
        Assert.Equal(["universal", "universal-plus", "universal-partnership-plus"], Values("level"));
        Assert.Contains("safeguarding", Values("concern"));
        Assert.True(parameters.Single(p => p.GetProperty("name").GetString() == "ward").GetProperty("required").GetBoolean());
    }

    [Fact]
    public async Task A_level_decision_is_documented_with_its_required_event_id()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var put = document.GetProperty("paths").GetProperty("/v1/families/{familyId}/level").GetProperty("put");
        var body = document.GetProperty("components").GetProperty("schemas").GetProperty("SetLevelBody");
        Assert.True(body.GetProperty("properties").TryGetProperty("eventId", out _));
        Assert.Contains("eventId", body.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("eventId is required", put.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Idempotency-Key", put.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_level_decision_is_documented_as_naming_its_practitioner_from_the_token()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var put = document.GetProperty("paths").GetProperty("/v1/families/{familyId}/level").GetProperty("put");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Contains("setLevelDecision.practitioner", put.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("subject of your token", put.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(schemas.GetProperty("LevelDecision").GetProperty("properties").TryGetProperty("practitioner", out _));
        Assert.True(schemas.GetProperty("HistoryEntry").GetProperty("properties").TryGetProperty("practitioner", out _));
        Assert.False(schemas.GetProperty("SetLevelBody").GetProperty("properties").TryGetProperty("practitioner", out _));
    }

    [Fact]
    public async Task A_risk_historys_causes_and_instants_are_documented_as_their_wire_values()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);
        var document = await ContactApiTests.Json(response);
        var description = document.GetProperty("paths").GetProperty("/v1/families/{familyId}/risk").GetProperty("get").GetProperty("description").GetString();

        foreach (var cause in new[]
        {
            QpActors.Domain.Risk.TimeChangeLabels.ReviewWindow,
            QpActors.Domain.Risk.TimeChangeLabels.LookBack,
            QpActors.Domain.Risk.TimeChangeLabels.RegistrationGraceEnded,
            QpActors.Domain.Risk.TimeChangeLabels.FifthBirthday,
            "rules: risk-rules.v1 -> risk-rules.v2",
        })
        {
            Assert.Contains("\"" + cause + "\"", description, StringComparison.Ordinal);
        }

        Assert.Contains("receipt", description, StringComparison.Ordinal);
        Assert.Contains("not at its occurredAt", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_routes_that_only_answer_415_are_not_in_the_openapi_document()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        var document = await ContactApiTests.Json(response);
        var contacts = document.GetProperty("paths").GetProperty("/v1/contacts");
        Assert.Equal(["post"], contacts.EnumerateObject().Select(p => p.Name));
        Assert.Equal("RecordContact", contacts.GetProperty("post").GetProperty("operationId").GetString());
    }

    [Theory]
    [InlineData("POST", "/v1/contacts", "{}")]
    [InlineData("POST", "/v1/contacts/batch", "[]")]
    [InlineData("PUT", "/v1/families/{0}/level", "{}")]
    public async Task A_body_not_sent_as_json_is_415_problem_details(string method, string path, string body)
    {
        var caller = method == "PUT" ? TestCaller.EarlyIntervention(Ids.Ward()) : TestCaller.ServiceWorker();
        using var request = gateway.Request(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, path, Ids.Family()), caller);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "text/plain");

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(415, (await ContactApiTests.Json(response)).GetProperty("status").GetInt32());
    }
}
