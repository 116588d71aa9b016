using System.Security.Claims;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Auth;

/// <summary>
/// A validated token's identity that also carries the <see cref="Grains.Interfaces.Caller"/> its claims make, and that
/// cannot be changed, so one instance serves every request that presents the token.
/// </summary>
/// <remarks>
/// <para>
/// Reading the claims back into a caller on every request was a few percent of the gateway's CPU per audited read, and
/// copying the claims for every request (so that no request could change what the next one sees) was about a twelfth
/// of the bytes an audited read allocated (docs/benchmarks.md). The claims of a token never change, so instead of a copy
/// per request the cache hands out this one identity and refuses every change to its claims.
/// </para>
/// <para>
/// What refuses: <see cref="AddClaim"/>, <see cref="AddClaims"/>, <see cref="RemoveClaim"/> and
/// <see cref="TryRemoveClaim"/> throw. Code that needs to change an identity (a claims transformation, say) takes
/// <see cref="Clone"/>, an ordinary identity with the same claims. The claims are this identity's own copies of the
/// validated token's, made once when the token was first validated.
/// </para>
/// </remarks>
public sealed class CallerIdentity : ClaimsIdentity
{
    private readonly bool _sealed;

    public CallerIdentity(ClaimsIdentity validated, Caller caller)
        : base(validated)
    {
        ArgumentNullException.ThrowIfNull(caller);
        Caller = caller;
        _sealed = true;
    }

    public Caller Caller { get; }

    /// <summary>An ordinary, changeable identity with copies of these claims (it no longer carries <see cref="Caller"/>).</summary>
    public override ClaimsIdentity Clone() => new(this);

    public override void AddClaim(Claim claim)
    {
        ThrowIfSealed();
        base.AddClaim(claim);
    }

    public override void AddClaims(IEnumerable<Claim?> claims)
    {
        ThrowIfSealed();
        base.AddClaims(claims);
    }

    public override void RemoveClaim(Claim? claim)
    {
        ThrowIfSealed();
        base.RemoveClaim(claim);
    }

    public override bool TryRemoveClaim(Claim? claim)
    {
        ThrowIfSealed();
        return base.TryRemoveClaim(claim);
    }

    // Sealed only once the base constructor has copied the claims in, whichever way it adds them.
    private void ThrowIfSealed()
    {
        if (_sealed)
        {
            throw new InvalidOperationException("A validated token's identity is shared by every request that presents the token; Clone() it to change its claims.");
        }
    }
}
