using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Http;

/// <summary>
/// What the gateway adds to the Orleans dashboard's own endpoints (which sit behind the admin policy; the dashboard has
/// no access rules of its own). The bare path (<c>/dashboard</c>, no slash) is answered here: the dashboard redirects it to
/// its page keeping the query, so a browser's <c>access_token</c> goes along, but its redirect logs its destination at
/// Information; this one writes nothing.
/// </summary>
public static class DashboardRules
{
    public static TBuilder WithQpRules<TBuilder>(this TBuilder dashboard, string prefix)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        dashboard.Add(endpoint =>
        {
            if (endpoint is not RouteEndpointBuilder { RequestDelegate: { } shown } route)
            {
                return;
            }

            if (route.RoutePattern.RawText == prefix + "/")
            {
                route.RequestDelegate = context => context.Request.Path.Value?.EndsWith('/') == false
                    ? Redirect(context, prefix)
                    : shown(context);
            }
        });
        return dashboard;
    }

    /// <summary>To the page, with the query as the browser sent it (its token included: see <see cref="QueryAccessToken"/>).</summary>
    private static Task Redirect(HttpContext context, string prefix)
    {
        var query = context.Features.Get<QueryAccessToken>()?.Original ?? context.Request.QueryString;
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = context.Request.PathBase + prefix + "/" + query;
        return Task.CompletedTask;
    }
}
