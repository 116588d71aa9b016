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
    [InlineData("/v1/areas/{areaId}/figures")]
    [InlineData("/v1/stream/risk")]
    [InlineData("/v1/stream/figures")]
    [InlineData("/v1/audit")]
    public async Task The_openapi_document_describes_every_route(string path)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await ContactApiTests.Json(response);
        Assert.True(document.GetProperty("paths").TryGetProperty(path, out _), path + " is missing");
    }
}
