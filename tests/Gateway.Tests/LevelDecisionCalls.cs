using System.Net;
using System.Text.Json;

namespace QpActors.Gateway.Tests;

/// <summary>
/// What the level-decision tests ask of the gateway over HTTP: a family registered in a ward, a decision put on it, the
/// family's risk status read back, and the fields a problem names.
/// </summary>
internal static class LevelDecisionCalls
{
    public static async Task<(string Ward, string FamilyId)> RegisteredFamilyAsync(this GatewayFixture gateway, string? ward = null)
    {
        ward ??= Ids.Ward();
        var familyId = Ids.Family();
        using var registered = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker(), TestEvents.FamilyRegistered(familyId, ward).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        return (ward, familyId);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Receipt)> PutLevelAsync(this GatewayFixture gateway, TestCaller practitioner, string familyId, string body)
    {
        using var response = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", practitioner, body);
        return (response.StatusCode, await ContactApiTests.Json(response));
    }

    public static async Task<JsonElement> RiskStatusAsync(this GatewayFixture gateway, TestCaller practitioner, string familyId)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ContactApiTests.Json(response);
    }

    public static string[] ProblemFields(JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!)];
}
