using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Tests;

public sealed class TokenCacheTests
{
    private static readonly TokenSettings Settings = new("qpactors-test", "qpactors", Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_token_seen_before_is_answered_from_the_cache_with_an_identity_no_request_can_change()
    {
        var handler = new CachingJsonWebTokenHandler(_time);
        var token = TestTokens.Mint(Settings, TestCaller.Administrator(), lifetime: TimeSpan.FromMinutes(10));

        var first = await handler.ValidateTokenAsync(token, Parameters());
        first.ClaimsIdentity.AddClaim(new Claim(QpClaims.Role, QpRoles.EarlyIntervention));
        var second = await handler.ValidateTokenAsync(token, Parameters());
        var third = await handler.ValidateTokenAsync(token, Parameters());
        var escalate = new Claim(QpClaims.Role, QpRoles.EarlyIntervention);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, handler.FullValidations);
        Assert.Same(second.ClaimsIdentity, third.ClaimsIdentity);
        Assert.Throws<InvalidOperationException>(() => second.ClaimsIdentity.AddClaim(escalate));
        Assert.Throws<InvalidOperationException>(() => second.ClaimsIdentity.AddClaims([escalate]));
        var role = second.ClaimsIdentity.FindFirst(QpClaims.Role)!;
        Assert.Throws<InvalidOperationException>(() => second.ClaimsIdentity.RemoveClaim(role));
        Assert.Throws<InvalidOperationException>(() => second.ClaimsIdentity.TryRemoveClaim(role));
        Assert.Equal([QpRoles.Admin], third.ClaimsIdentity.FindAll(QpClaims.Role).Select(c => c.Value));
    }

    [Fact]
    public async Task A_copy_of_a_cached_identity_can_be_changed_without_changing_the_cached_one()
    {
        var handler = new CachingJsonWebTokenHandler(_time);
        var token = TestTokens.Mint(Settings, TestCaller.Administrator(), lifetime: TimeSpan.FromMinutes(10));
        await handler.ValidateTokenAsync(token, Parameters());
        var hit = await handler.ValidateTokenAsync(token, Parameters());

        var copy = hit.ClaimsIdentity.Clone();
        copy.AddClaim(new Claim(QpClaims.Role, QpRoles.EarlyIntervention));

        Assert.IsNotType<CallerIdentity>(copy);
        Assert.Equal([QpRoles.Admin, QpRoles.EarlyIntervention], copy.FindAll(QpClaims.Role).Select(c => c.Value));
        Assert.Equal([QpRoles.Admin], hit.ClaimsIdentity.FindAll(QpClaims.Role).Select(c => c.Value));
        Assert.Equal(QpRoles.Admin, CallerFactory.FromPrincipal(new ClaimsPrincipal(copy)).Role);
    }

    [Fact]
    public async Task A_cached_token_carries_the_caller_its_claims_make()
    {
        var handler = new CachingJsonWebTokenHandler(_time);
        var token = TestTokens.Mint(Settings, TestCaller.EarlyIntervention("E05000644", "E05000645"), lifetime: TimeSpan.FromMinutes(10));
        var first = await handler.ValidateTokenAsync(token, Parameters());
        var fromClaims = CallerFactory.FromPrincipal(new ClaimsPrincipal(first.ClaimsIdentity));

        var hit = await handler.ValidateTokenAsync(token, Parameters());
        var carried = Assert.IsType<CallerIdentity>(hit.ClaimsIdentity);
        var fromHit = CallerFactory.FromPrincipal(new ClaimsPrincipal(hit.ClaimsIdentity));

        Assert.Equal(1, handler.FullValidations);
        Assert.Same(carried.Caller, fromHit);
        Assert.Equal(fromClaims.UserId, fromHit.UserId);
        Assert.Equal(QpRoles.EarlyIntervention, fromHit.Role);
        Assert.Equal(["E05000644", "E05000645"], fromHit.Wards);
    }

    [Fact]
    public async Task A_token_is_recalled_by_its_text_only_after_it_was_validated_and_only_until_it_expires()
    {
        var handler = new CachingJsonWebTokenHandler(_time);
        var token = TestTokens.Mint(Settings, TestCaller.Commissioner(), lifetime: TimeSpan.FromMinutes(10));
        var header = "Bearer " + token;

        Assert.Null(handler.TryRecall(header.AsSpan(7)));
        await handler.ValidateTokenAsync(token, Parameters());
        var first = handler.TryRecall(header.AsSpan(7));
        var second = handler.TryRecall(header.AsSpan(7));
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var expired = handler.TryRecall(header.AsSpan(7));

        Assert.Equal([QpRoles.Commission], Assert.IsType<CallerIdentity>(second).FindAll(QpClaims.Role).Select(c => c.Value));
        Assert.Same(first, second);
        Assert.Equal(QpRoles.Commission, ((CallerIdentity)second).Caller.Role);
        Assert.Null(expired);
        Assert.Equal(1, handler.FullValidations);
    }

    [Fact]
    public async Task A_cached_token_is_validated_again_once_it_has_expired()
    {
        var handler = new CachingJsonWebTokenHandler(_time);
        var token = TestTokens.Mint(Settings, TestCaller.Administrator(), lifetime: TimeSpan.FromMinutes(10));
        await handler.ValidateTokenAsync(token, Parameters());

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await handler.ValidateTokenAsync(token, Parameters());

        Assert.Equal(2, handler.FullValidations);
    }

    [Fact]
    public async Task An_altered_or_forged_token_never_hits_a_cached_one()
    {
        var handler = new CachingJsonWebTokenHandler(_time);
        var caller = TestCaller.Administrator();
        var token = TestTokens.Mint(Settings, caller, lifetime: TimeSpan.FromMinutes(10));
        await handler.ValidateTokenAsync(token, Parameters());
        // The signature's first character carries six whole bits (the last one may be padding).
        var signature = token.LastIndexOf('.') + 1;
        var altered = token[..signature] + (token[signature] == 'A' ? 'B' : 'A') + token[(signature + 1)..];
        var forged = TestTokens.Mint(Settings, caller, lifetime: TimeSpan.FromMinutes(10), key: new byte[32]);

        var alteredResult = await handler.ValidateTokenAsync(altered, Parameters());
        var forgedResult = await handler.ValidateTokenAsync(forged, Parameters());
        var forgedAgain = await handler.ValidateTokenAsync(forged, Parameters());

        Assert.False(alteredResult.IsValid);
        Assert.False(forgedResult.IsValid);
        Assert.False(forgedAgain.IsValid);
        Assert.Equal(4, handler.FullValidations);
    }

    [Fact]
    public async Task Beyond_its_capacity_the_cache_starts_again_rather_than_growing()
    {
        var handler = new CachingJsonWebTokenHandler(_time, capacity: 2);
        var tokens = Enumerable.Range(0, 3).Select(_ => TestTokens.Mint(Settings, TestCaller.Administrator(), lifetime: TimeSpan.FromMinutes(10))).ToArray();
        foreach (var token in tokens)
        {
            await handler.ValidateTokenAsync(token, Parameters());
        }

        // The third token cleared the first two; only it is still remembered.
        await handler.ValidateTokenAsync(tokens[2], Parameters());
        await handler.ValidateTokenAsync(tokens[0], Parameters());

        Assert.Equal(4, handler.FullValidations);
    }

    private static TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = Settings.Issuer,
        ValidAudience = Settings.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(Settings.Key),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RoleClaimType = QpClaims.Role,
        NameClaimType = QpClaims.Subject,
        ClockSkew = TimeSpan.FromSeconds(30),
    };
}
