using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Tests;

/// <summary>Who a test calls as: the claims a token carries.</summary>
public sealed record TestCaller(string Subject, string Role, string? Service = null, string? Champion = null, params string[] Wards)
{
    public static TestCaller ServiceWorker(string service = "health-visiting") => new("hv-" + Ids.Short(), QpRoles.Frontline, Service: service);

    public static TestCaller ChampionOf(string championId, params string[] wards) => new("ch-" + Ids.Short(), QpRoles.Frontline, Champion: championId, Wards: wards);

    public static TestCaller EarlyIntervention(params string[] wards) => new("ei-" + Ids.Short(), QpRoles.EarlyIntervention, Wards: wards);

    public static TestCaller Commissioner() => new("cm-" + Ids.Short(), QpRoles.Commission);

    public static TestCaller Administrator() => new("ad-" + Ids.Short(), QpRoles.Admin);

    /// <summary>The token's <c>name</c> claim: by default <c>Test</c> and the subject; <see cref="NoName"/> leaves it out.</summary>
    public object Name { get => field ?? "Test " + Subject; init; }

    /// <summary>A token with no <c>name</c> claim.</summary>
    public bool NoName { get; init; }
}

/// <summary>Mints HS256 tokens the way <c>./qp token</c> does, with the gateway's own key.</summary>
public static class TestTokens
{
    /// <param name="roles">Role claims to carry instead of the caller's one role (a malformed token).</param>
    /// <param name="expires">When the token expires, instead of <paramref name="lifetime"/> from now (for a gateway on a fake clock).</param>
    public static string Mint(TokenSettings settings, TestCaller caller, TimeSpan? lifetime = null, byte[]? key = null, string[]? roles = null, DateTimeOffset? expires = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(caller);
        var claims = new Dictionary<string, object>
        {
            [QpClaims.Subject] = caller.Subject,
            [QpClaims.Role] = roles is null ? caller.Role : roles,
        };
        if (!caller.NoName)
        {
            claims[QpClaims.Name] = caller.Name;
        }

        if (caller.Service is not null)
        {
            claims[QpClaims.Service] = caller.Service;
        }

        if (caller.Champion is not null)
        {
            claims[QpClaims.Champion] = caller.Champion;
        }

        if (caller.Wards.Length > 0)
        {
            claims[QpClaims.Ward] = caller.Wards;
        }

        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = expires?.UtcDateTime ?? now + (lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? settings.Key), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}

public static class Ids
{
    public static string Short() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>A ward code no other test uses.</summary>
    public static string Ward() => "w-" + Short();

    public static string Family() => "f-" + Short();

    public static string Child() => "c-" + Short();

    public static string Event() => "e-" + Short();
}
