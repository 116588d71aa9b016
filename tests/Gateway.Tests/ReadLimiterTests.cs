using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Http;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Every read that calls the grains waits for a slot of the reads limiter, over HTTP and gRPC alike, so a flood of reads
/// is answered 503 with Retry-After beyond its queue rather than queued without bound (a read refused while another holds
/// the only slot is <see cref="ReadBackpressureTests"/>). Live streams are counted apart, and the list of
/// event types reads no grain.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ReadLimiterTests(GatewayFixture gateway)
{
    private static readonly string[] Reads =
    [
        "/v1/families/{familyId}/risk",
        "/v1/worklist",
        "/v1/wards/{wardCode}/unreached",
        "/v1/wards/{wardCode}/figures",
        "/v1/wards/{wardCode}/figures/history",
        "/v1/areas/{areaId}/figures",
        "/v1/areas/{areaId}/figures/history",
        "/v1/wards/{wardCode}/figures/what-if",
        "/v1/areas/{areaId}/figures/what-if",
        "/v1/cost-benefit/assumptions",
        "/v1/audit",
        "/v1/champions/{championId}/summary",
        "/v1/services/{serviceId}/summary",
        "/qp.v1.FamiliesService/GetRiskStatus",
        "/qp.v1.WardsService/GetWorklist",
        "/qp.v1.WardsService/GetUnreached",
        "/qp.v1.WardsService/GetWardFigures",
        "/qp.v1.WardsService/GetAreaFigures",
        "/qp.v1.WardsService/GetWardFiguresHistory",
        "/qp.v1.WardsService/GetAreaFiguresHistory",
        "/qp.v1.WardsService/WhatIfWardFigures",
        "/qp.v1.WardsService/WhatIfAreaFigures",
        "/qp.v1.WardsService/GetCostBenefitAssumptions",
        "/qp.v1.AuditService/Query",
        "/qp.v1.SummariesService/GetChampionSummary",
        "/qp.v1.SummariesService/GetServiceSummary",
    ];

    private static readonly string[] NotLimitedAsReads =
    [
        "/v1/event-types",
        "/v1/stream/risk",
        "/v1/stream/figures",
        "/qp.v1.WardsService/StreamRiskChanges",
        "/qp.v1.WardsService/StreamWardFigures",
    ];

    [Fact]
    public void Every_read_over_http_and_grpc_takes_a_slot_of_the_reads_limiter_and_nothing_else_does()
    {
        var policies = gateway.GatewayServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } path && (path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/qp.v1.", StringComparison.Ordinal)))

            // Not a route's answer to a method it does not take (MethodNotAllowedEndpoints: 405, no grain called).
            .Where(e => !e.Metadata.Contains(MethodNotAllowedEndpoints.Marker))

            // Nor its 415 to a body that is not JSON (JsonBody.UnsupportedMediaType: no body read, no grain called).
            .Where(e => !e.Metadata.Contains(JsonBody.NotJsonMarker))
            .GroupBy(e => e.RoutePattern.RawText!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName).ToArray(), StringComparer.Ordinal);

        Assert.All(Reads, path => Assert.True(
            policies.TryGetValue(path, out var named) && named.All(p => p == ApiEndpoints.ReadsLimiter),
            $"{path}: {(named is null ? "no such route" : string.Join(", ", named.Select(p => p ?? "no limiter")))}"));
        Assert.All(NotLimitedAsReads, path => Assert.True(
            policies.TryGetValue(path, out var named) && named.All(p => p is null),
            $"{path}: {(named is null ? "no such route" : string.Join(", ", named.Select(p => p ?? "no limiter")))}"));
        Assert.All(policies.Where(p => !Reads.Contains(p.Key)), p => Assert.DoesNotContain(ApiEndpoints.ReadsLimiter, p.Value));
    }
}
