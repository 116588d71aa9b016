using System.Net;

namespace QpActors.Gateway.Tests;

/// <summary>The catalogue of event types a frontline app may post (<c>GET /v1/event-types</c>), in the API's kebab-case.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventTypesTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Each_types_child_id_rule_is_kebab_case_and_one_the_openapi_document_lists()
    {
        using var listed = await gateway.SendAsync(HttpMethod.Get, "/v1/event-types", TestCaller.ServiceWorker());
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var rules = (await ContactApiTests.Json(listed)).EnumerateArray()
            .ToDictionary(t => t.GetProperty("type").GetString()!, t => t.GetProperty("childId").GetString()!);

        // A family's registration names no child; a birth names one; a contact may.
        Assert.Equal("not-allowed", rules["family-registered"]);
        Assert.Equal("required", rules["birth-notified"]);
        Assert.Equal(["not-allowed", "optional", "required"], rules.Values.Distinct().Order(StringComparer.Ordinal));

        using var document = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);
        var declared = (await ContactApiTests.Json(document)).GetProperty("components").GetProperty("schemas")
            .GetProperty("EventTypeResponse").GetProperty("properties").GetProperty("childId").GetProperty("enum")
            .EnumerateArray().Select(v => v.GetString());
        Assert.Equal(["not-allowed", "optional", "required"], declared);
    }
}
