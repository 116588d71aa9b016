using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;

namespace QpActors.Gateway.Auth;

/// <summary>
/// How a browser stays signed in to the dashboard after opening its page with a token. A browser sends a token only on the
/// navigation the administrator typed (<c>?access_token=</c>): the page then fetches its script and styles and polls its
/// data every second by relative paths, with no token. So a page load authenticated as an administrator also gets a
/// cookie from ASP.NET Core's cookie authentication (<see cref="CookieScheme"/>), and the dashboard's policy accepts it:
/// <list type="bullet">
/// <item>only the dashboard's policy names the dashboard's scheme (<see cref="Scheme"/>), and the cookie handler refuses
/// a cookie on any other path besides, so the cookie opens nothing else (the API's default scheme is the bearer's);</item>
/// <item>a request that presents a token (header or query) is decided by the token alone, never by the cookie with it:
/// a token without the admin role, or a bad one, is refused even beside an administrator's cookie;</item>
/// <item>the cookie's ticket expires when the token that opened the page does, checked by the handler against the
/// gateway's <see cref="TimeProvider"/>, and the browser is told the same expiry; nothing slides it on;</item>
/// <item>HttpOnly (the page's script cannot read it), SameSite=Strict (no other site's page sends it), Secure on HTTPS (as
/// the gateway sees it, or as a trusted proxy says: <see cref="Hosting.TrustedProxies"/>), and its path is
/// <see cref="Path"/>, so a browser sends it nowhere else;</item>
/// <item>its ticket is protected by ASP.NET Core Data Protection keys kept in a folder (<see cref="DashboardKeyRing"/>), so
/// it outlives a restart of the gateway, and every gateway given the same folder reads it.</item>
/// </list>
/// </summary>
public static class DashboardSession
{
    /// <summary>Where the dashboard is served, and the only path its cookie is sent to or read on.</summary>
    public const string Path = "/dashboard";

    /// <summary>The dashboard's scheme: the presented token when there is one, else the dashboard's cookie.</summary>
    public const string Scheme = "dashboard";

    /// <summary>The cookie scheme, used only through <see cref="Scheme"/>.</summary>
    public const string CookieScheme = "dashboard-cookie";

    /// <summary>The cookie's name.</summary>
    public const string CookieName = "qp-dashboard";

    /// <summary>The dashboard's two schemes, and the keys its cookie's tickets are protected with.</summary>
    public static AuthenticationBuilder AddDashboardSession(this AuthenticationBuilder authentication, DashboardKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        ArgumentNullException.ThrowIfNull(keys);

        // Kept in a folder, not in memory: a browser signed in to the dashboard stays signed in across a restart of the
        // gateway and whichever gateway behind one address it reaches, as long as they share the folder. The application
        // name, not the folder each gateway runs from, is what makes their keys' purposes match.
        var protection = authentication.Services.AddDataProtection()
            .SetApplicationName(DashboardKeyRing.ApplicationName)
            .PersistKeysToFileSystem(keys.Folder);
        if (keys.Certificate is { } certificate)
        {
            protection.ProtectKeysWithCertificate(certificate);
        }

        // The first key is made under a lock on the ring, once for every gateway sharing it, before Data Protection's own
        // start would make one per gateway.
        authentication.Services.AddSingleton(keys);
        authentication.Services.AddHostedService<DashboardKeyRingStart>();

        // The ring's earlier certificates decrypt the keys written with them and encrypt nothing: after a change of
        // certificate the keys already in the ring, and the cookies they protect, are still read.
        if (keys.PreviousCertificates.Count > 0)
        {
            protection.UnprotectKeysWithAnyCertificate([.. keys.PreviousCertificates]);
        }

        return authentication
            .AddPolicyScheme(Scheme, "The dashboard: a presented token, else its cookie", o =>
            {
                o.ForwardDefaultSelector = context => PresentsToken(context.Request) ? JwtBearerDefaults.AuthenticationScheme : CookieScheme;

                // A refusal answers as the rest of the API does (401 with WWW-Authenticate: Bearer, or 403), never with the
                // cookie handler's redirect to a sign-in page the gateway does not have.
                o.ForwardChallenge = JwtBearerDefaults.AuthenticationScheme;
                o.ForwardForbid = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.Path = Path;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = false;
                o.Events.OnValidatePrincipal = context =>
                {
                    // Read on the dashboard only, whoever asks this scheme.
                    if (!context.Request.Path.StartsWithSegments(Path))
                    {
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
            });
    }

    /// <summary>
    /// Gives the browser the dashboard's cookie for the administrator whose token opened the page, expiring with that
    /// token, and says whether it did. Called for a page load once the admin policy has admitted it: with the token in
    /// the header, once the load is audited; with the token in the query, before the redirect that takes the token out
    /// of the address (<see cref="Http.DashboardRules"/>). A page loaded on the cookie alone gets none (it already has
    /// one, and a reload must not extend it), nor does a token already past its expiry.
    /// </summary>
    public static async Task<bool> StartAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var until = CallerFactory.AccessUntil(context.User);
        if (!PresentsToken(context.Request) || !context.User.IsInRole(QpRoles.Admin) || until <= context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow())
        {
            return false;
        }

        // The token's claims as they are (its exp among them), in an identity of the cookie's own.
        var identity = new ClaimsIdentity(context.User.Claims, CookieScheme, QpClaims.Subject, QpClaims.Role);
        await context.SignInAsync(CookieScheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            ExpiresUtc = until,
            IsPersistent = true,
            AllowRefresh = false,
        });
        return true;
    }

    /// <summary>Whether a request brings a token of its own (the Authorization header, or <c>access_token</c> in the query).</summary>
    private static bool PresentsToken(HttpRequest request) =>
        request.Headers.Authorization.Count > 0 || request.HttpContext.Features.Get<QueryAccessToken>() is not null;
}
