using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;
using QpActors.Gateway.Http;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A method a <c>/v1</c> route does not take is 405 with <c>Allow</c> naming the ones it does and a problem body, on every
/// route the OpenAPI document lists, the two-segment ones among them (<c>/v1/contacts</c> has the shape of gRPC's catch-all
/// for unknown services, <c>{service}/{method}</c>); gRPC keeps answering as gRPC does.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MethodNotAllowedTests(GatewayFixture gateway)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    [Fact]
    public async Task Every_documented_route_answers_a_method_it_does_not_take_with_405_allow_and_a_problem() =>
        await AssertRefusedAsync(Methods, atLeast: 50);

    // Methods no refusal names found gRPC's catch-all on the two-segment routes (404) and routing's own 405 on the longer
    // ones, whose Allow named every method the refusals take as well.
    [Fact]
    public async Task Every_documented_route_answers_a_method_outside_http_s_own_with_405_allow_and_a_problem() =>
        await AssertRefusedAsync(["PROPFIND", "FOO"], atLeast: 2 * 14);

    [Theory]
    [InlineData("/v1/contacts")]
    [InlineData("/v1/families/f-anonymous/risk")]
    public async Task A_method_outside_http_s_own_from_an_anonymous_caller_is_refused_as_unauthenticated_first(string path)
    {
        using var response = await gateway.SendAsync(new HttpMethod("PROPFIND"), path, caller: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_method_outside_http_s_own_on_a_path_no_route_has_is_still_not_found()
    {
        using var response = await gateway.SendAsync(new HttpMethod("PROPFIND"), "/v1/no-such-route", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task AssertRefusedAsync(IReadOnlyList<string> methods, int atLeast)
    {
        using var document = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);
        var paths = (await ContactApiTests.Json(document)).GetProperty("paths").EnumerateObject()
            .Select(p => (Template: p.Name, Allowed: p.Value.EnumerateObject().Select(m => m.Name.ToUpperInvariant()).ToHashSet()))
            .ToList();
        Assert.Contains(paths, p => p.Template == "/v1/contacts");
        Assert.Contains(paths, p => p.Template == "/v1/event-types");

        var checkedCount = 0;
        var wrong = new List<string>();
        foreach (var (template, allowed) in paths)
        {
            var path = template.Replace("{familyId}", "f-" + Ids.Short(), StringComparison.Ordinal)
                .Replace("{wardCode}", "queens-park", StringComparison.Ordinal)
                .Replace("{areaId}", "north-westminster", StringComparison.Ordinal);
            foreach (var method in methods.Where(m => !allowed.Contains(m)))
            {
                // An administrator's token: the answer is about the method, whoever asks.
                using var response = await gateway.SendAsync(new HttpMethod(method), path, TestCaller.Administrator(), method is "GET" ? null : "{}");
                var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? await ContactApiTests.Json(response) : default;
                var allow = string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal));
                if (response.StatusCode != HttpStatusCode.MethodNotAllowed
                    || allow != string.Join(", ", allowed.Order(StringComparer.Ordinal))
                    || problem.ValueKind != System.Text.Json.JsonValueKind.Object
                    || problem.GetProperty("status").GetInt32() != 405
                    || problem.GetProperty("type").GetString() != "https://tools.ietf.org/html/rfc9110#section-15.5.6")
                {
                    wrong.Add($"{method} {template}: {(int)response.StatusCode}, Allow: {allow}, {response.Content.Headers.ContentType?.MediaType}");
                }

                checkedCount++;
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        Assert.True(checkedCount >= atLeast, $"only {checkedCount} route and method pairs checked");
    }

    // A refusal that took every method would meet every request its route takes as a second candidate, and routing
    // allocates to choose between two (about 180 B a request on the risk read): each refusal takes only the others.
    [Fact]
    public void A_refusal_takes_no_method_its_route_takes_so_the_route_is_the_one_candidate_for_its_own_methods()
    {
        var endpoints = gateway.GatewayServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/", StringComparison.Ordinal) == true)
            .ToList();
        var refusals = endpoints.Where(e => e.Metadata.Contains(MethodNotAllowedEndpoints.Marker)).ToList();
        Assert.NotEmpty(refusals);
        foreach (var refusal in refusals)
        {
            var refused = refusal.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            Assert.True(refused is { Count: > 0 }, $"{refusal.DisplayName} takes every method");
            var taken = endpoints
                .Where(e => e.RoutePattern.RawText == refusal.RoutePattern.RawText && !e.Metadata.Contains(MethodNotAllowedEndpoints.Marker))
                .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .ToList();
            Assert.NotEmpty(taken);
            Assert.Empty(refused.Intersect(taken, StringComparer.OrdinalIgnoreCase));
            Assert.Contains(HttpMethods.Delete, refused.Concat(taken));
        }
    }

    [Theory]
    [InlineData("qp.v1.AuditService", "NoSuchMethod")]
    [InlineData("qp.v1.NoSuchService", "Query")]
    public async Task Grpc_calls_still_work_and_an_unknown_service_or_method_is_unimplemented(string service, string method)
    {
        var administrator = gateway.GrpcHeaders(TestCaller.Administrator());
        var audit = new AuditService.AuditServiceClient(gateway.Grpc);
        Assert.NotNull(await audit.QueryAsync(new AuditQueryRequest { PageSize = 1 }, administrator));

        var marshaller = Marshallers.Create(r => r.ToByteArray(), AuditQueryRequest.Parser.ParseFrom);
        using var unknown = gateway.Grpc.CreateCallInvoker().AsyncUnaryCall(
            new Method<AuditQueryRequest, AuditQueryRequest>(MethodType.Unary, service, method, marshaller, marshaller),
            null,
            new CallOptions(administrator),
            new AuditQueryRequest { PageSize = 1 });
        var refused = await Assert.ThrowsAsync<RpcException>(() => unknown.ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, refused.StatusCode);
    }
}
