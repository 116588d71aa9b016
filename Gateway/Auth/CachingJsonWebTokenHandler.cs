using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace QpActors.Gateway.Auth;

/// <summary>
/// Validates a bearer token once and remembers the outcome, keyed by the exact token text, until the
/// token expires. A frontline device sends the same token with every request; parsing it and checking
/// its HMAC each time was about a seventh of the gateway's CPU per request (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Safe because everything validation depends on is fixed for the life of the process (issuer,
/// audience, signing key, algorithm: see <see cref="AuthSetup"/>), and the key is the whole token
/// including its signature, so a different or altered token never hits a remembered one. Only valid
/// tokens are remembered, and only until their own <c>exp</c> (without the clock skew validation
/// allows), so a cached token never outlives the token. Every hit gets the same identity, which refuses changes
/// and carries the <see cref="Grains.Interfaces.Caller"/> its claims make (both built once per token, not once per request).
/// </remarks>
public sealed class CachingJsonWebTokenHandler : JsonWebTokenHandler
{
    /// <summary>Distinct tokens remembered at once; beyond it the cache starts again (one validation each).</summary>
    public const int DefaultCapacity = 10_000;

    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    // Looks a token up by the characters of the Authorization header it arrived in, so a hit makes no string.
    private readonly ConcurrentDictionary<string, Validated>.AlternateLookup<ReadOnlySpan<char>> _validatedByText;

    private long _fullValidations;

    public CachingJsonWebTokenHandler(TimeProvider time, int capacity = DefaultCapacity)
    {
        _time = time;
        _capacity = capacity;
        _validatedByText = _validated.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Tokens validated in full (not answered from the cache): visible to tests.</summary>
    public long FullValidations => Interlocked.Read(ref _fullValidations);

    /// <summary>
    /// The identity of a token validated before and not yet expired (shared, unchangeable), or null. The bearer handler asks this
    /// first (<see cref="AuthSetup"/>), so a known token costs no validation parameters, token string or result.
    /// </summary>
    public ClaimsIdentity? TryRecall(ReadOnlySpan<char> token) =>
        TryGetLive(token, _time.GetUtcNow().UtcDateTime, out var known) ? known.ForRequest() : null;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (token is not null && TryGetLive(token, now, out var known))
        {
            return new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = known.ForRequest(),
                SecurityToken = known.Token,
                Issuer = known.Token.Issuer,
                TokenType = known.Token.Typ,
            };
        }

        Interlocked.Increment(ref _fullValidations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && !AuthSetup.NamesOneCaller(result.ClaimsIdentity))
        {
            // Refused here, before it could be remembered: a recalled token skips the bearer handler's own events.
            return new TokenValidationResult
            {
                IsValid = false,
                Exception = new SecurityTokenValidationException(AuthSetup.OneTokenRoleRule),
            };
        }

        if (token is not null && result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > now)
        {
            if (_validated.Count >= _capacity)
            {
                // A flood of distinct tokens: start again rather than grow without bound.
                _validated.Clear();
            }

            // Kept as a CallerIdentity when the claims make a caller, so every copy handed out carries it.
            var identity = result.ClaimsIdentity.Clone();
            _validated[token] = new Validated(jwt, CallerFactory.TryFromIdentity(identity) is { } caller ? new CallerIdentity(identity, caller) : identity, jwt.ValidTo);
        }

        return result;
    }

    /// <summary>The remembered validation of a token that has not expired at <paramref name="now"/>; an expired one is forgotten.</summary>
    private bool TryGetLive(ReadOnlySpan<char> token, DateTime now, [NotNullWhen(true)] out Validated? known)
    {
        if (!_validatedByText.TryGetValue(token, out known))
        {
            return false;
        }

        if (known.Until > now)
        {
            return true;
        }

        _validatedByText.TryRemove(token, out _);
        known = null;
        return false;
    }

    private sealed record Validated(JsonWebToken Token, ClaimsIdentity Identity, DateTime Until)
    {
        /// <summary>
        /// The identity for one request: a <see cref="CallerIdentity"/> refuses changes, so it is shared as it is;
        /// any other (claims that make no caller, which no policy admits) is copied, so no request changes another's.
        /// </summary>
        public ClaimsIdentity ForRequest() => Identity as CallerIdentity ?? Identity.Clone();
    }
}
