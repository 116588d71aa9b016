using Microsoft.AspNetCore.Http.Extensions;
using QpActors.Gateway.Application;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Http;

/// <summary>
/// What the gateway adds to the Orleans dashboard's own endpoints (which sit behind the admin policy; the dashboard has
/// no access rules of its own). It shows the cluster's working: silos, grain types with their activation counts, call
/// rates, runtime counters, reminders (the deadline sweep's one), never a family or child id of itself. Three of its
/// endpoints need more:
/// <list type="bullet">
/// <item>its page (<c>/</c>, <c>/index.html</c>) leaves one <c>dashboard-read</c> audit entry per load, written before the
/// page is sent; the page's script then polls the dashboard's data every second, which is not audited again; a load
/// opened with a token also gives the browser the dashboard's cookie (<see cref="DashboardSession"/>), which carries the
/// script's requests that follow; a load with the token in its query is answered, once the cookie is set, with a redirect
/// (303) to the same page without the token, and the load that follows is the one audited;</item>
/// <item>its log stream (<c>/Trace</c>) shows the hosts' log output live, which may name families and children, so each
/// opening is audited the same way, and the stream ends when the token that opened it expires;</item>
/// <item>its grain state reader (<c>/GrainState</c>) takes any grain id and calls that grain's parameterless getters as the
/// system, outside the grains' access checks and the audit, so it is refused.</item>
/// </list>
/// Its routes that end in a silo's address answer bad input as the rest of the gateway does (400 naming it, 404 for a
/// silo the cluster does not have) rather than failing with 500 (<see cref="OfAKnownSiloAsync"/>).
/// The bare path (<c>/dashboard</c>, no slash) is answered here too: the dashboard's own redirect logs its destination,
/// this one writes nothing. With the token in the query it sets the cookie and sends the browser to the page without the
/// token (303), as the page does; otherwise it redirects to the page keeping the query.
/// Every answer under the dashboard's path says <c>Referrer-Policy: no-referrer</c> (<see cref="UseDashboardReferrerPolicy"/>).
/// </summary>
public static class DashboardRules
{
    // What each audit entry says was looked at (its detail).
    private const string Page = "page";
    private const string LogStream = "log stream";

    private const string ReferrerPolicy = "Referrer-Policy";
    private const string NoReferrer = "no-referrer";

    /// <summary>
    /// Every answer under the dashboard's path, refusals and errors included, tells the browser to send no
    /// <c>Referer</c> from it: a page's address is sent as the Referer of every request it makes (its assets and a poll
    /// a second), and a proxy in front may log it. Set as the answer starts, so an error handler that clears the headers
    /// before it writes does not take it away. Registered ahead of authentication, whose refusals never reach the
    /// dashboard's endpoints.
    /// </summary>
    public static IApplicationBuilder UseDashboardReferrerPolicy(this IApplicationBuilder app, PathString prefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(prefix))
            {
                context.Response.OnStarting(
                    static response =>
                    {
                        ((HttpResponse)response).Headers[ReferrerPolicy] = NoReferrer;
                        return Task.CompletedTask;
                    },
                    context.Response);
            }

            return next(context);
        });
    }

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

            var path = route.RoutePattern.RawText;
            if (path == prefix + "/")
            {
                route.RequestDelegate = context => context.Request.Path.Value?.EndsWith('/') == false
                    ? Redirect(context, prefix)
                    : AuditedAsync(context, shown, Page);
            }
            else if (path == prefix + "/index.html")
            {
                route.RequestDelegate = context => AuditedAsync(context, shown, Page);
            }
            else if (path == prefix + "/Trace")
            {
                route.RequestDelegate = context => AuditedAsync(context, shown, LogStream);
            }
            else if (SiloRoutes.Any(r => path?.StartsWith($"{prefix}/{r}/{{*", StringComparison.Ordinal) == true))
            {
                var parameter = route.RoutePattern.Parameters[^1].Name;
                route.RequestDelegate = context => OfAKnownSiloAsync(context, shown, parameter);
            }
            else if (path == prefix + "/GrainState")
            {
                route.RequestDelegate = context => Problems.Status(
                    StatusCodes.Status403Forbidden,
                    "Not allowed",
                    "The dashboard's grain state reader is switched off: it reads grains as the system, outside their access rules and the audit.")
                    .ExecuteAsync(context);
            }
        });
        return dashboard;
    }

    /// <summary>
    /// The dashboard's routes that end in a silo's address (<c>{*address}</c>): a silo's runtime history, properties, counters
    /// and call statistics. The package hands the value to a grain keyed by it, which fails (500) on a value that is not a
    /// silo's address and on a silo the cluster does not have (and the call statistics answered zeros for the latter).
    /// </summary>
    private static readonly string[] SiloRoutes = ["HistoricalStats", "SiloProperties", "SiloCounters", "SiloStats"];

    /// <summary>The wrong value's name in a 400's <c>errors</c>, whatever the route calls it.</summary>
    private const string SiloAddressField = "siloAddress";

    /// <summary>
    /// Answers a silo route only for a silo of the cluster: 400 naming the value when it is not a silo's address
    /// (<c>host:port@generation</c>), 404 when no silo of the cluster, active or not, has it; otherwise the package's own
    /// answer. The silos are read from the management grain, one call, as the page asks for one silo's view.
    /// </summary>
    private static async Task OfAKnownSiloAsync(HttpContext context, RequestDelegate shown, string parameter)
    {
        var value = context.Request.RouteValues[parameter] as string;
        if (!SiloAddress.TryParse(value, null, out var silo))
        {
            await Problems.Invalid(context, SiloAddressField, "Must be a silo's address as the dashboard lists it (host:port@generation).").ExecuteAsync(context);
            return;
        }

        var hosts = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
        if (!hosts.ContainsKey(silo))
        {
            await Problems.Status(StatusCodes.Status404NotFound, "Not found", $"The cluster has no silo {value}.").ExecuteAsync(context);
            return;
        }

        await shown(context);
    }

    private static async Task AuditedAsync(HttpContext context, RequestDelegate shown, string what)
    {
        // A page opened with the token in its query is not shown with it: the token would stay in the address bar and the
        // history, and go out as the Referer of every poll. Once the cookie carries the administrator, the browser is sent
        // to the same page without the token. Nothing is shown by this answer, so nothing is audited here: the load that
        // follows (on the cookie) is, as any load of the page is, so each page opened leaves one entry.
        if (what == Page && await SentOnWithoutTokenAsync(context, context.Request.Path))
        {
            return;
        }

        var caller = CallerFactory.FromPrincipal(context.User);
        var audited = await context.RequestServices.GetRequiredService<AuditOperations>().RecordDashboardReadAsync(caller, what);
        if (!audited.IsOk)
        {
            await Problems.From(audited, context).ExecuteAsync(context);
            return;
        }

        // A browser that opened the page with a token gets the dashboard's cookie with it: only once the look is on
        // record, and before the page starts (the cookie is a header).
        if (what == Page)
        {
            await DashboardSession.StartAsync(context);
            await shown(context);
        }
        else
        {
            await UntilAccessEndsAsync(context, shown);
        }
    }

    /// <summary>
    /// The log stream, ended when the token that opened it expires (or the cookie, which expires with its token): the
    /// dashboard's own stream runs for an hour whatever the token, and a browser keeps it open. It stops at the request's
    /// abort signal, so that signal is given at the expiry too, by the gateway's clock as for the live streams.
    /// </summary>
    private static async Task UntilAccessEndsAsync(HttpContext context, RequestDelegate shown)
    {
        using var expiry = WardOperations.CancelWhenAccessEnds(CallerFactory.AccessUntil(context.User), context.RequestServices.GetRequiredService<TimeProvider>());
        if (expiry is null)
        {
            return;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, expiry.Token);
        context.RequestAborted = either.Token;
        await shown(context);
    }

    /// <summary>
    /// For a request with the token in its query: gives the browser the dashboard's cookie and sends it on to
    /// <paramref name="page"/> with the rest of its query (303, which no browser keeps). False, with nothing answered, when
    /// the token is not in the query or gets no cookie (a token the clock skew still admits after its expiry).
    /// </summary>
    private static async Task<bool> SentOnWithoutTokenAsync(HttpContext context, PathString page)
    {
        if (context.Features.Get<QueryAccessToken>() is null || !await DashboardSession.StartAsync(context))
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = UriHelper.BuildRelative(context.Request.PathBase, page, QueryTokens.WithoutToken(context.Request.QueryString));
        return true;
    }

    /// <summary>To the page, with the query as the browser sent it (its token included: see <see cref="QueryAccessToken"/>).</summary>
    private static async Task Redirect(HttpContext context, string prefix)
    {
        // With the token in the query, the bare path does what the page would: sets the cookie and sends the browser to the
        // page without the token (303, not cached), rather than a permanent redirect that a browser may keep with the token.
        if (await SentOnWithoutTokenAsync(context, prefix + "/"))
        {
            return;
        }

        var query = context.Features.Get<QueryAccessToken>()?.Original ?? context.Request.QueryString;
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = context.Request.PathBase + prefix + "/" + query;
    }
}
