using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Http;

/// <summary>
/// A method a <c>/v1</c> route does not take is answered 405, with <c>Allow</c> naming the methods it does and a problem
/// body, on every route. Routing answers so by itself only where no endpoint of the path takes every method; gRPC's
/// catch-all for unknown services (<c>{service}/{method}</c>, every method, admitted only for a gRPC content type) has the
/// shape of the two-segment routes (<c>/v1/contacts</c>, <c>/v1/audit</c>), so there a DELETE found no endpoint and
/// answered 404. Each route therefore gets an endpoint of its own pattern that takes the methods the route does not,
/// ordered after the route's own endpoints (and after the 415 answer for a body that is not JSON, order 1): a method the route takes reaches
/// its handler as before, any other reaches this answer, and a gRPC call still reaches gRPC's catch-all first (order 0).
/// </summary>
public sealed class MethodNotAllowedEndpoints : EndpointDataSource
{
    /// <summary>After the routes' own endpoints (0) and their 415 answers (1).</summary>
    private const int Order = 2;

    private readonly EndpointDataSource _api;
    private readonly Lazy<IReadOnlyList<Endpoint>> _endpoints;

    /// <param name="api">The routes whose other methods are answered, read when routing first asks (after every convention).</param>
    public MethodNotAllowedEndpoints(EndpointDataSource api)
    {
        ArgumentNullException.ThrowIfNull(api);
        _api = api;
        _endpoints = new(Build);
    }

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints.Value;

    public override IChangeToken GetChangeToken() => NullChangeToken.Singleton;

    private List<Endpoint> Build() => _api.Endpoints
        .OfType<RouteEndpoint>()
        .Select(e => (Endpoint: e, Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
        .Where(e => e.Methods.Count > 0 && e.Endpoint.RoutePattern.RawText is not null)
        .GroupBy(e => e.Endpoint.RoutePattern.RawText, StringComparer.Ordinal)
        .Select(route => Refusal(route.First().Endpoint.RoutePattern, route.SelectMany(e => e.Methods).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)))
        .ToList<Endpoint>();

    /// <summary>
    /// The methods a refusal is built for: HTTP's own and PATCH. The refusal names the ones its route does not take rather
    /// than taking every method, so a request the route does take finds one candidate, the route's own endpoint, which
    /// routing selects without allocating (a second candidate of any method cost every request about 180 bytes). A method
    /// outside this list finds gRPC's catch-all or routing's own 405, and is answered after routing by <see cref="OtherMethodRefusals"/>.
    /// </summary>
    private static readonly string[] KnownMethods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete, HttpMethods.Options, HttpMethods.Trace];

    /// <summary>In the metadata of every refusal, so a check over the routes' own endpoints can leave the refusals out.</summary>
    public static readonly object Marker = new MethodNotAllowedMarker();

    private sealed class MethodNotAllowedMarker;

    private static RouteEndpoint Refusal(RoutePattern pattern, IEnumerable<string> allowed)
    {
        var allowedMethods = allowed.ToList();
        var refused = KnownMethods.Where(m => !allowedMethods.Contains(m, StringComparer.OrdinalIgnoreCase)).ToArray();
        var allow = string.Join(", ", allowedMethods);
        var detail = $"{pattern.RawText} takes {allow}.";
        return new RouteEndpoint(
            context =>
            {
                context.Response.Headers.Allow = allow;
                return Problems.Status(StatusCodes.Status405MethodNotAllowed, "Method not allowed", detail).ExecuteAsync(context);
            },
            pattern,
            Order,
            // Any caller who may call the API at all is told which methods a route takes; an anonymous one is refused
            // first (401), as for every other /v1 path. Not an operation, so not in the OpenAPI document.
            new EndpointMetadataCollection(Marker, new HttpMethodMetadata(refused), new AuthorizeAttribute(QpPolicies.AnyCaller), new ExcludeFromDescriptionAttribute()),
            $"405 {pattern.RawText}");
    }
}
