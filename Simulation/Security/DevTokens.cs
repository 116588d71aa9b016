using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace QpActors.Simulation.Security;

/// <summary>Mints development bearer tokens (compact JWT, HS256) with the claims the gateway authorises on.</summary>
public static class DevTokens
{
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";
    public const string ServiceClaim = "service";
    public const string ChampionClaim = "champion";
    public const string WardClaim = "ward";
    public const string NameClaim = "name";

    public const string Frontline = "frontline";
    public const string EarlyIntervention = "early-intervention";
    public const string Commission = "commission";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> Roles = [Frontline, EarlyIntervention, Commission, Admin];

    /// <summary>
    /// A token for <paramref name="subject"/>. A frontline token is bound to exactly one service or one champion
    /// (that is the recorder of what it posts); an early-intervention token carries one <c>ward</c> claim per ward.
    /// </summary>
    /// <param name="name">
    /// The OpenID Connect <c>name</c> claim, the display name a level decision keeps beside the subject; null gives a
    /// development name made from the role, and an empty one leaves the claim out (a token with no name).
    /// </param>
    public static string Issue(
        DevSigningKey key,
        string role,
        string? service,
        string? champion,
        IReadOnlyList<string> wards,
        TimeSpan lifetime,
        string subject,
        TimeProvider? clock = null,
        string? name = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(wards);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        if (!Roles.Contains(role))
        {
            throw new ArgumentException($"unknown role '{role}'; use {string.Join(", ", Roles)}", nameof(role));
        }

        if (role == Frontline && (service is null) == (champion is null))
        {
            throw new ArgumentException("a frontline token needs exactly one of service or champion", nameof(service));
        }

        if (role != Frontline && (service is not null || champion is not null))
        {
            throw new ArgumentException("only frontline tokens are bound to a service or champion", nameof(service));
        }

        if (role == EarlyIntervention && wards.Count == 0)
        {
            throw new ArgumentException("an early-intervention token needs at least one ward", nameof(wards));
        }

        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "must be positive");
        }

        var claims = new List<Claim>
        {
            new(SubjectClaim, subject),
            new(RoleClaim, role),
        };
        if (name is not { Length: 0 })
        {
            claims.Add(new Claim(NameClaim, name ?? DisplayName(role, service, champion, subject)));
        }

        if (service is not null)
        {
            claims.Add(new Claim(ServiceClaim, service));
        }

        if (champion is not null)
        {
            claims.Add(new Claim(ChampionClaim, champion));
        }

        claims.AddRange(wards.Distinct(StringComparer.Ordinal).Select(w => new Claim(WardClaim, w)));

        var now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = key.Issuer,
            Audience = key.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key.ToSecurityKey(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A frontline token whose recorder is <paramref name="recordedBy"/> (<c>service:x</c> or <c>champion:y</c>).</summary>
    public static string ForRecorder(DevSigningKey key, string recordedBy, TimeSpan lifetime, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recordedBy);
        var separator = recordedBy.IndexOf(':', StringComparison.Ordinal);
        var kind = separator > 0 ? recordedBy[..separator] : "";
        var id = separator > 0 ? recordedBy[(separator + 1)..] : "";
        return kind switch
        {
            "service" when id.Length > 0 => Issue(key, Frontline, id, null, [], lifetime, "dev-" + recordedBy, clock),
            "champion" when id.Length > 0 => Issue(key, Frontline, null, id, [], lifetime, "dev-" + recordedBy, clock),
            _ => throw new ArgumentException($"recorder must be service:<id> or champion:<id>, not '{recordedBy}'", nameof(recordedBy)),
        };
    }

    private static string DisplayName(string role, string? service, string? champion, string subject) =>
        service is not null ? $"Dev {role} ({service})"
        : champion is not null ? $"Dev champion {champion}"
        : $"Dev {role} {subject}";
}
