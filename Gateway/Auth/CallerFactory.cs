using System.Globalization;
using System.Security.Claims;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Auth;

/// <summary>Turns a validated token's claims into the <see cref="Caller"/> the grains trust.</summary>
public static class CallerFactory
{
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    public static Caller FromPrincipal(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // A token answered from the validated-token cache carries the caller its claims made when it was first validated.
        if (user.Identity is CallerIdentity { Caller: var known } && user.Identities.Count() == 1)
        {
            return known;
        }

        // The authorization policies admit only tokens with a role; reaching here without one is a wiring fault.
        return FromClaims(user) ?? throw new InvalidOperationException("An authenticated caller needs 'sub' and 'role' claims.");
    }

    /// <summary>
    /// When the presented token stops being valid: its <c>exp</c>. A live stream's access is checked once, when it opens,
    /// and the stream ends at this instant. Validation requires <c>exp</c>; a principal without one gets no time at all.
    /// </summary>
    public static DateTimeOffset AccessUntil(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return long.TryParse(user.FindFirst(QpClaims.Expires)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds < MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MaxValue
            : DateTimeOffset.MinValue;
    }

    /// <summary>The caller a validated identity's claims make, or null when they make none (no subject or role).</summary>
    public static Caller? TryFromIdentity(ClaimsIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return FromClaims(new ClaimsPrincipal(identity));
    }

    private static Caller? FromClaims(ClaimsPrincipal user)
    {
        var subject = user.FindFirst(QpClaims.Subject)?.Value;
        var role = user.FindFirst(QpClaims.Role)?.Value;
        if (string.IsNullOrWhiteSpace(subject) || string.IsNullOrWhiteSpace(role))
        {
            return null;
        }

        var wards = user.FindAll(QpClaims.Ward)
            .Select(c => c.Value.Trim())
            .Where(w => w.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        // The name is taken as the token gives it, every value of it: what a decision may keep of it is the catalogue's to
        // say, where it refuses one it cannot keep, or several, naming the claim.
        var names = user.FindAll(QpClaims.Name).Select(c => c.Value).ToArray();
        return new Caller(subject, role, wards, NonEmpty(user, QpClaims.Service), NonEmpty(user, QpClaims.Champion))
        {
            Names = names.Length == 0 ? [] : names,
        };
    }

    private static string? NonEmpty(ClaimsPrincipal user, string type) =>
        user.FindFirst(type)?.Value is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
