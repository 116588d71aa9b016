using Microsoft.AspNetCore.Routing.Template;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Http;

/// <summary>
/// A <c>/v1</c> route's 405 answer (<see cref="MethodNotAllowedEndpoints"/>) for a method outside the ones those answers
/// name (<c>PROPFIND</c>, <c>FOO</c>): routing takes it elsewhere. On a two-segment route (<c>/v1/contacts</c>) it finds
/// gRPC's catch-all for unknown services, the one endpoint of that shape taking every method, whose content-type
/// constraint then turns it away, so the request matched nothing and was answered 404; on a longer route it finds
/// routing's own 405, whose <c>Allow</c> names every method some endpoint of the path takes, the refusals' among them.
/// <para>
/// Routing is not asked to find the refusal itself: a refusal taking every method would be a second candidate for every
/// request its route takes, and routing allocates to choose between two (about 180 B a request), while a matcher policy
/// would run for every request on a path that gRPC's catch-all shares. Instead, after routing, a request that found no
/// endpoint or routing's own 405 is looked up among the refusals' route patterns, and the refusal of the route it names
/// answers it. A request that found an endpoint of a route, every ordinary one, pays one type test; a gRPC call (its
/// content type) to an unknown method still finds the catch-all and stays <c>Unimplemented</c>.
/// </para>
/// </summary>
public sealed class OtherMethodRefusals(EndpointDataSource endpoints)
{
    private readonly Lazy<Route[]> _routes = new(() => Routes(endpoints));

    /// <summary>Runs after routing and before authorization, so the refusal is authorized as the routes' own are.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetEndpoint() is not RouteEndpoint)
        {
            Refuse(context);
        }

        return next(context);
    }

    private void Refuse(HttpContext context)
    {
        // An endpoint that is not a route's is routing's own 405 (or another framework answer); a gRPC call keeps it.
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) || ApiSetup.IsGrpc(context.Request))
        {
            return;
        }

        var values = new RouteValueDictionary();
        foreach (var route in _routes.Value)
        {
            if (route.Matcher.TryMatch(context.Request.Path, values))
            {
                context.SetEndpoint(route.Refusal);
                return;
            }

            values.Clear();
        }
    }

    // The most specific pattern first (a literal before a parameter in the same place), as routing would choose.
    private static Route[] Routes(EndpointDataSource endpoints) => endpoints.Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.Metadata.Contains(MethodNotAllowedEndpoints.Marker))
        .Select(e => (Template: new RouteTemplate(e.RoutePattern), Refusal: e))
        .OrderBy(r => RoutePrecedence.ComputeInbound(r.Template))
        .Select(r => new Route(new TemplateMatcher(r.Template, new RouteValueDictionary()), r.Refusal))
        .ToArray();

    private sealed record Route(TemplateMatcher Matcher, RouteEndpoint Refusal);
}
