using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Every endpoint and gRPC method against every role: allowed roles get past authorization (whatever
/// the operation then answers), everyone else is refused: 401 without a token, 403 with the wrong one.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RoleMatrixTests(GatewayFixture gateway)
{
    private const string Anonymous = "anonymous";
    private const string FrontlineService = "frontline-service";
    private const string FrontlineChampion = "frontline-champion";
    private const string FrontlineUnbound = "frontline-unbound";
    private const string EarlyIntervention = "early-intervention";
    private const string Commission = "commission";
    private const string Admin = "admin";

    private static readonly string[] Roles = [Anonymous, FrontlineService, FrontlineChampion, FrontlineUnbound, EarlyIntervention, Commission, Admin];
    private static readonly string[] Everyone = [FrontlineService, FrontlineChampion, FrontlineUnbound, EarlyIntervention, Commission, Admin];

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["record"] = [FrontlineService, FrontlineChampion],
        ["record-batch"] = [FrontlineService, FrontlineChampion],
        ["champion-summary"] = [FrontlineService, FrontlineChampion],
        ["service-summary"] = [FrontlineService, FrontlineChampion],
        ["risk"] = [EarlyIntervention],
        ["set-level"] = [EarlyIntervention],
        ["worklist"] = [EarlyIntervention],
        ["unreached"] = [EarlyIntervention, FrontlineChampion],
        ["ward-figures"] = [Commission],
        ["area-figures"] = [Commission],
        ["ward-history"] = [Commission],
        ["area-history"] = [Commission],
        ["ward-what-if"] = [Commission],
        ["area-what-if"] = [Commission],
        ["cost-benefit-assumptions"] = [Commission],
        ["stream-risk"] = [EarlyIntervention],
        ["stream-figures"] = [Commission],
        ["audit"] = [Admin],
        ["dashboard"] = [Admin],
        ["event-types"] = Everyone,
        ["health"] = Roles,
        ["openapi"] = Roles,
    };

    private static readonly string[] GrpcOperations =
        ["record", "record-batch", "champion-summary", "service-summary", "risk", "set-level", "worklist", "unreached", "ward-figures", "area-figures", "ward-history", "area-history", "ward-what-if", "area-what-if", "cost-benefit-assumptions", "stream-risk", "stream-figures", "audit"];

    public static TheoryData<string, string> HttpCases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var operation in Allowed.Keys)
        {
            foreach (var role in Roles)
            {
                cases.Add(operation, role);
            }
        }

        return cases;
    }

    public static TheoryData<string, string> GrpcCases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var operation in GrpcOperations)
        {
            foreach (var role in Roles)
            {
                cases.Add(operation, role);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(HttpCases))]
    public async Task Http_endpoint_admits_exactly_its_roles(string operation, string role)
    {
        var ward = Ids.Ward();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = HttpRequest(operation, ward, Caller(role, ward));

        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);

        if (Allowed[operation].Contains(role))
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        }
        else
        {
            Assert.Equal(role == Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(GrpcCases))]
    public async Task Grpc_method_admits_exactly_its_roles(string operation, string role)
    {
        var ward = Ids.Ward();
        var caller = Caller(role, ward);
        var headers = gateway.GrpcHeaders(caller);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        StatusCode? refused = null;
        try
        {
            await CallAsync(operation, ward, caller, headers, deadline);
        }
        catch (RpcException ex)
        {
            refused = ex.StatusCode;
        }

        if (Allowed[operation].Contains(role))
        {
            Assert.NotEqual(StatusCode.Unauthenticated, refused);
            Assert.NotEqual(StatusCode.PermissionDenied, refused);
        }
        else
        {
            Assert.Equal(role == Anonymous ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, refused);
        }
    }

    [Fact]
    public void Every_api_route_and_grpc_method_names_exactly_one_policy()
    {
        var endpoints = gateway.GatewayServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } path && (path.StartsWith("/v1/", StringComparison.Ordinal) || IsGrpcMethod(path)))
            .ToList();

        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/v1/event-types");
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/qp.v1.ContactsService/Record");
        Assert.All(endpoints, e =>
        {
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>();
            Assert.True(policies.Count == 1 && !string.IsNullOrEmpty(policies[0].Policy), $"{e.DisplayName} names {policies.Count} authorization entries, policy '{policies.FirstOrDefault()?.Policy}'");
        });
    }

    /// <summary>A method of the qp.v1 services; not gRPC's catch-all for methods a service does not have.</summary>
    private static bool IsGrpcMethod(string path) =>
        path.StartsWith("/qp.v1.", StringComparison.Ordinal) && !path.Contains('{', StringComparison.Ordinal);

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var forged = TestTokens.Mint(gateway.Tokens, TestCaller.Administrator(), key: new byte[32]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit");
        request.Headers.Authorization = new("Bearer", forged);

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("issuer")]
    [InlineData("audience")]
    public async Task A_token_for_another_issuer_or_audience_is_refused(string which)
    {
        var elsewhere = which == "issuer" ? gateway.Tokens with { Issuer = "someone-else" } : gateway.Tokens with { Audience = "someone-else" };
        var token = TestTokens.Mint(elsewhere, TestCaller.Administrator());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit");
        request.Headers.Authorization = new("Bearer", token);

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var expired = TestTokens.Mint(gateway.Tokens, TestCaller.Administrator(), lifetime: TimeSpan.FromMinutes(-5));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/audit");
        request.Headers.Authorization = new("Bearer", expired);

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static TestCaller? Caller(string role, string ward) => role switch
    {
        Anonymous => null,
        FrontlineService => TestCaller.ServiceWorker("svc-" + Ids.Short()),
        FrontlineChampion => TestCaller.ChampionOf("champion-" + Ids.Short(), ward),
        FrontlineUnbound => new TestCaller("fl-" + Ids.Short(), "frontline", Wards: [ward]),
        EarlyIntervention => TestCaller.EarlyIntervention(ward),
        Commission => TestCaller.Commissioner(),
        Admin => TestCaller.Administrator(),
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    private HttpRequestMessage HttpRequest(string operation, string ward, TestCaller? caller)
    {
        var familyId = Ids.Family();
        return operation switch
        {
            "record" => gateway.Request(HttpMethod.Post, "/v1/contacts", caller, TestEvents.FamilyRegistered(familyId, ward).ToJsonString()),
            "record-batch" => gateway.Request(HttpMethod.Post, "/v1/contacts/batch", caller, new JsonArray(TestEvents.FamilyRegistered(familyId, ward)).ToJsonString()),
            "champion-summary" => gateway.Request(HttpMethod.Get, $"/v1/champions/{ChampionOf(caller)}/summary", caller),
            "service-summary" => gateway.Request(HttpMethod.Get, $"/v1/services/{ServiceOf(caller)}/summary", caller),
            "risk" => gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", caller),
            "set-level" => gateway.Request(HttpMethod.Put, $"/v1/families/{familyId}/level", caller, LevelDecisionRetryTests.Decision(Ids.Event(), "universal", "role matrix")),
            "worklist" => gateway.Request(HttpMethod.Get, $"/v1/worklist?ward={ward}", caller),
            "unreached" => gateway.Request(HttpMethod.Get, $"/v1/wards/{ward}/unreached", caller),
            "ward-figures" => gateway.Request(HttpMethod.Get, $"/v1/wards/{ward}/figures", caller),
            "area-figures" => gateway.Request(HttpMethod.Get, "/v1/areas/north-westminster/figures", caller),
            "ward-history" => gateway.Request(HttpMethod.Get, $"/v1/wards/{ward}/figures/history", caller),
            "area-history" => gateway.Request(HttpMethod.Get, "/v1/areas/north-westminster/figures/history", caller),
            "ward-what-if" => gateway.Request(HttpMethod.Post, $"/v1/wards/{ward}/figures/what-if", caller, """{"overrides":{}}"""),
            "area-what-if" => gateway.Request(HttpMethod.Post, "/v1/areas/north-westminster/figures/what-if", caller, """{"overrides":{}}"""),
            "cost-benefit-assumptions" => gateway.Request(HttpMethod.Get, "/v1/cost-benefit/assumptions", caller),
            "stream-risk" => gateway.Request(HttpMethod.Get, $"/v1/stream/risk?ward={ward}", caller),
            "stream-figures" => gateway.Request(HttpMethod.Get, $"/v1/stream/figures?ward={ward}", caller),
            "audit" => gateway.Request(HttpMethod.Get, "/v1/audit", caller),
            "dashboard" => gateway.Request(HttpMethod.Get, "/dashboard/", caller),
            "event-types" => gateway.Request(HttpMethod.Get, "/v1/event-types", caller),
            "health" => gateway.Request(HttpMethod.Get, "/health/live", caller),
            "openapi" => gateway.Request(HttpMethod.Get, "/openapi/v1.json", caller),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };
    }

    /// <summary>The caller's own champion, so an admitted caller reads a summary it may read; a fresh id for the others.</summary>
    private static string ChampionOf(TestCaller? caller) => caller?.Champion ?? "ch-" + Ids.Short();

    /// <summary>The caller's own service, as <see cref="ChampionOf"/>.</summary>
    private static string ServiceOf(TestCaller? caller) => caller?.Service ?? "svc-" + Ids.Short();

    private async Task CallAsync(string operation, string ward, TestCaller? caller, Metadata headers, DateTime deadline)
    {
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var audit = new AuditService.AuditServiceClient(gateway.Grpc);
        var summaries = new SummariesService.SummariesServiceClient(gateway.Grpc);
        var familyId = Ids.Family();
        switch (operation)
        {
            case "record":
                await contacts.RecordAsync(GrpcApiTests.FamilyRegistered(familyId, ward), headers, deadline);
                break;
            case "record-batch":
                await contacts.RecordBatchAsync(new ContactBatch { Events = { GrpcApiTests.FamilyRegistered(familyId, ward) } }, headers, deadline);
                break;
            case "champion-summary":
                await summaries.GetChampionSummaryAsync(new ChampionSummaryRequest { ChampionId = ChampionOf(caller) }, headers, deadline);
                break;
            case "service-summary":
                await summaries.GetServiceSummaryAsync(new ServiceSummaryRequest { ServiceId = ServiceOf(caller) }, headers, deadline);
                break;
            case "risk":
                await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, headers, deadline);
                break;
            case "set-level":
                await families.SetLevelAsync(new SetLevelRequest { FamilyId = familyId, EventId = Ids.Event(), Level = "universal", Reason = "role matrix" }, headers, deadline);
                break;
            case "worklist":
                await wards.GetWorklistAsync(new WorklistRequest { Ward = ward }, headers, deadline);
                break;
            case "unreached":
                await wards.GetUnreachedAsync(new UnreachedRequest { WardCode = ward }, headers, deadline);
                break;
            case "ward-figures":
                await wards.GetWardFiguresAsync(new WardFiguresRequest { WardCode = ward }, headers, deadline);
                break;
            case "area-figures":
                await wards.GetAreaFiguresAsync(new AreaFiguresRequest { AreaId = "north-westminster" }, headers, deadline);
                break;
            case "ward-history":
                await wards.GetWardFiguresHistoryAsync(new WardFiguresHistoryRequest { WardCode = ward }, headers, deadline);
                break;
            case "area-history":
                await wards.GetAreaFiguresHistoryAsync(new AreaFiguresHistoryRequest { AreaId = "north-westminster" }, headers, deadline);
                break;
            case "ward-what-if":
                await wards.WhatIfWardFiguresAsync(new WardFiguresWhatIfRequest { WardCode = ward, Overrides = new Struct() }, headers, deadline);
                break;
            case "area-what-if":
                await wards.WhatIfAreaFiguresAsync(new AreaFiguresWhatIfRequest { AreaId = "north-westminster", Overrides = new Struct() }, headers, deadline);
                break;
            case "cost-benefit-assumptions":
                await wards.GetCostBenefitAssumptionsAsync(new CostBenefitAssumptionsRequest(), headers, deadline);
                break;
            case "stream-risk":
                {
                    using var call = wards.StreamRiskChanges(new StreamRequest { Ward = ward }, headers, deadline);
                    await call.ResponseStream.MoveNext(CancellationToken.None);
                    break;
                }

            case "stream-figures":
                {
                    using var call = wards.StreamWardFigures(new StreamRequest { Ward = ward }, headers, deadline);
                    await call.ResponseStream.MoveNext(CancellationToken.None);
                    break;
                }

            case "audit":
                await audit.QueryAsync(new AuditQueryRequest { From = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(-1)) }, headers, deadline);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }
}
