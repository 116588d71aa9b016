using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The dashboard's routes that take a silo's address in their path (its history, properties, counters and call statistics)
/// answer a value that is not a silo's address with 400 naming it, and a silo the cluster does not have with 404, each a
/// problem as the rest of the gateway answers; the package's own handlers failed on both with 500.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DashboardBadInputTests(GatewayFixture gateway)
{
    public static TheoryData<string> SiloRoutes() => ["HistoricalStats", "SiloProperties", "SiloCounters", "SiloStats"];

    [Theory]
    [MemberData(nameof(SiloRoutes))]
    public async Task A_value_that_is_not_a_silo_address_is_400_naming_it(string route)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/dashboard/{route}/no-such-silo", TestCaller.Administrator());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ContactApiTests.Json(response);
        Assert.Equal("siloAddress", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
    }

    [Theory]
    [MemberData(nameof(SiloRoutes))]
    public async Task A_silo_the_cluster_does_not_have_is_404_and_one_it_has_is_answered(string route)
    {
        var silo = Assert.Single(await gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Key;
        var unknown = SiloAddress.New(silo.Endpoint.Address, silo.Endpoint.Port, silo.Generation + 1);

        using var missing = await gateway.SendAsync(HttpMethod.Get, $"/dashboard/{route}/{unknown.ToParsableString()}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await ContactApiTests.Json(missing)).GetProperty("status").GetInt32());

        using var known = await gateway.SendAsync(HttpMethod.Get, $"/dashboard/{route}/{silo.ToParsableString()}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
    }
}
