using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace QpActors.Gateway.Auth;

/// <summary>JWT bearer authentication and the role policies. Deny by default: anything not marked anonymous needs a valid token.</summary>
public static class AuthSetup
{
    private const string BearerPrefix = "Bearer ";

    /// <param name="cacheValidatedTokens">
    /// Remember validated tokens until they expire (<c>Auth:CacheValidatedTokens</c>, on by default;
    /// off only to measure what it saves).
    /// </param>
    /// <param name="dashboardKeys">Where the dashboard cookie's keys live (<see cref="DashboardSession"/>).</param>
    public static IServiceCollection AddQpAuth(this IServiceCollection services, TokenSettings tokens, DashboardKeyRing dashboardKeys, bool cacheValidatedTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(dashboardKeys);
        services.AddSingleton(tokens);
        if (cacheValidatedTokens)
        {
            // One handler for the process, so every request shares its cache of validated tokens.
            services.AddSingleton(sp => new CachingJsonWebTokenHandler(sp.GetRequiredService<TimeProvider>()) { MapInboundClaims = false });
        }

        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IServiceProvider>((o, sp) =>
            {
                var cache = cacheValidatedTokens ? sp.GetRequiredService<CachingJsonWebTokenHandler>() : null;
                if (cache is not null)
                {
                    o.TokenHandlers.Clear();
                    o.TokenHandlers.Add(cache);
                }

                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context => BearerReceivedAsync(context, cache),
                    OnTokenValidated = TokenValidatedAsync,
                };
            });

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                // Claim names stay as issued ("sub", "role", "ward"), not mapped to WS-* URIs.
                o.MapInboundClaims = false;

                // Nothing reads the raw token back from the authentication properties; storing it cost every request.
                o.SaveToken = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = tokens.Issuer,
                    ValidAudience = tokens.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(tokens.Key),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RoleClaimType = QpClaims.Role,
                    NameClaimType = QpClaims.Subject,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            })
            .AddDashboardSession(dashboardKeys);

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(QpPolicies.AnyCaller, p => p.RequireAuthenticatedUser())
            .AddPolicy(QpPolicies.Frontline, p => p.RequireRole(QpRoles.Frontline).RequireAssertion(c => IsBoundFrontline(c.User)))
            .AddPolicy(QpPolicies.EarlyIntervention, p => p.RequireRole(QpRoles.EarlyIntervention))
            .AddPolicy(QpPolicies.Commission, p => p.RequireRole(QpRoles.Commission))
            .AddPolicy(QpPolicies.Admin, p => p.RequireRole(QpRoles.Admin))

            // The one policy that reads the dashboard's cookie besides a token (DashboardSession).
            .AddPolicy(QpPolicies.Dashboard, p => p.AddAuthenticationSchemes(DashboardSession.Scheme).RequireRole(QpRoles.Admin))
            .AddPolicy(QpPolicies.Outreach, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.IsInRole(QpRoles.EarlyIntervention) || (c.User.IsInRole(QpRoles.Frontline) && HasClaim(c.User, QpClaims.Champion))));
        return services;
    }

    /// <summary>Why a token failing <see cref="NamesOneCaller"/> is refused, whichever path validated it.</summary>
    internal const string OneTokenRoleRule = "The token must name its user (sub) and carry exactly one role: frontline, early-intervention, commission or admin.";

    /// <summary>
    /// A subject (<c>sub</c>, the user every grain call and audit entry names) and exactly one <c>role</c> claim, naming a
    /// role a token may carry. A token with two roles would pass the policy of either while the grains see only the first;
    /// the system's own role (<c>Roles.System</c>) is never a token's; a token naming nobody passed every policy and then
    /// failed each request as a server error. Checked once per token, when it is validated (a token failing it is not
    /// valid at all), not on every request.
    /// </summary>
    internal static bool NamesOneCaller(ClaimsIdentity identity)
    {
        if (string.IsNullOrWhiteSpace(identity.FindFirst(QpClaims.Subject)?.Value))
        {
            return false;
        }

        string? role = null;
        foreach (var claim in identity.FindAll(QpClaims.Role))
        {
            if (role is not null)
            {
                return false;
            }

            role = claim.Value;
        }

        return role is QpRoles.Frontline or QpRoles.EarlyIntervention or QpRoles.Commission or QpRoles.Admin;
    }

    /// <summary>For the bearer handler's own validation (when validated tokens are not cached): the same rule.</summary>
    private static Task TokenValidatedAsync(TokenValidatedContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity || !NamesOneCaller(identity))
        {
            context.Fail(OneTokenRoleRule);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Where the bearer handler finds the token, and a known token's answer. Browsers' EventSource cannot send headers, so
    /// the live streams (and the dashboard in a browser) also take the token as <c>access_token</c> in the query; nowhere
    /// else. The query the request carries by now says <c>access_token=Redacted</c>: the value was taken out before
    /// anything could log it, and is read from <see cref="QueryAccessToken"/> (<see cref="QueryTokens"/>). A token from the
    /// header that the cache validated before is answered here, before the handler copies its validation parameters and
    /// cuts the token out of the header: at thousands of requests a second that garbage was a measurable share of what
    /// the gateway allocates (docs/benchmarks.md).
    /// </summary>
    private static Task BearerReceivedAsync(MessageReceivedContext context, CachingJsonWebTokenHandler? cache)
    {
        var request = context.HttpContext.Request;
        if ((request.Path.StartsWithSegments("/v1/stream") || request.Path.StartsWithSegments("/dashboard"))
            && context.HttpContext.Features.Get<QueryAccessToken>()?.Tokens.ToString() is { Length: > 0 } fromQuery)
        {
            context.Token = fromQuery;
            return Task.CompletedTask;
        }

        // The same reading of the header as the bearer handler's own: the scheme in any case, then the trimmed rest.
        var authorization = request.Headers.Authorization.ToString();
        if (cache is not null
            && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            && cache.TryRecall(authorization.AsSpan(BearerPrefix.Length).Trim()) is { } identity)
        {
            context.Principal = new ClaimsPrincipal(identity);
            context.Success();
        }

        return Task.CompletedTask;
    }

    /// <summary>A frontline token records for exactly what it is bound to: a service or a champion.</summary>
    private static bool IsBoundFrontline(ClaimsPrincipal user) =>
        HasClaim(user, QpClaims.Service) || HasClaim(user, QpClaims.Champion);

    private static bool HasClaim(ClaimsPrincipal user, string type) =>
        !string.IsNullOrWhiteSpace(user.FindFirst(type)?.Value);
}
