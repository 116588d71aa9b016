using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using QpActors.Simulation.Security;

namespace QpActors.Simulation.Tests;

public sealed class DevTokenTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "qp-tokens-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task A_frontline_token_validates_and_carries_its_service()
    {
        var key = DevSigningKey.Create();
        var token = DevTokens.Issue(key, DevTokens.Frontline, "health-visiting", null, [], TimeSpan.FromHours(1), "hv-1");

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, key.ToValidationParameters());

        Assert.True(result.IsValid, result.Exception?.Message);
        var identity = result.ClaimsIdentity;
        Assert.Equal("hv-1", identity.FindFirst("sub")!.Value);
        Assert.Equal("frontline", identity.FindFirst("role")!.Value);
        Assert.Equal("health-visiting", identity.FindFirst("service")!.Value);
        Assert.Null(identity.FindFirst("champion"));
        Assert.Equal("Dev frontline (health-visiting)", identity.Name);
        Assert.True(identity.HasClaim("role", "frontline"));
        Assert.Equal("HS256", ((JsonWebToken)result.SecurityToken).Alg);
    }

    [Fact]
    public async Task A_token_carries_the_name_given_and_none_when_the_name_given_is_empty()
    {
        var key = DevSigningKey.Create();
        var named = DevTokens.Issue(key, DevTokens.EarlyIntervention, null, null, ["queens-park"], TimeSpan.FromHours(1), "eit-1", name: "Amira Haddad");
        var unnamed = DevTokens.Issue(key, DevTokens.EarlyIntervention, null, null, ["queens-park"], TimeSpan.FromHours(1), "eit-2", name: "");

        var handler = new JsonWebTokenHandler();
        var withName = await handler.ValidateTokenAsync(named, key.ToValidationParameters());
        var withoutName = await handler.ValidateTokenAsync(unnamed, key.ToValidationParameters());

        Assert.Equal("Amira Haddad", withName.ClaimsIdentity.FindFirst(DevTokens.NameClaim)!.Value);
        Assert.True(withoutName.IsValid);
        Assert.Null(withoutName.ClaimsIdentity.FindFirst(DevTokens.NameClaim));
    }

    [Fact]
    public async Task An_early_intervention_token_has_one_ward_claim_per_ward()
    {
        var key = DevSigningKey.Create();
        var token = DevTokens.Issue(key, DevTokens.EarlyIntervention, null, null, ["queens-park", "westbourne"], TimeSpan.FromHours(1), "eit-1");

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, key.ToValidationParameters());

        Assert.True(result.IsValid);
        Assert.Equal(["queens-park", "westbourne"], result.ClaimsIdentity.FindAll("ward").Select(c => c.Value));
    }

    [Fact]
    public async Task A_recorder_maps_to_a_champion_bound_frontline_token()
    {
        var key = DevSigningKey.Create();

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(DevTokens.ForRecorder(key, "champion:ch-03", TimeSpan.FromHours(1)), key.ToValidationParameters());

        Assert.Equal("ch-03", result.ClaimsIdentity.FindFirst("champion")!.Value);
        Assert.Null(result.ClaimsIdentity.FindFirst("service"));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_or_expired_is_refused()
    {
        var key = DevSigningKey.Create();
        var handler = new JsonWebTokenHandler();
        var foreign = DevTokens.Issue(DevSigningKey.Create(), DevTokens.Commission, null, null, [], TimeSpan.FromHours(1), "c-1");
        var twoDaysAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-2));
        var expired = DevTokens.Issue(key, DevTokens.Commission, null, null, [], TimeSpan.FromHours(1), "c-1", twoDaysAgo);

        Assert.False((await handler.ValidateTokenAsync(foreign, key.ToValidationParameters())).IsValid);
        Assert.False((await handler.ValidateTokenAsync(expired, key.ToValidationParameters())).IsValid);
    }

    [Theory]
    [InlineData("frontline", null, null, "")]
    [InlineData("frontline", "health-visiting", "ch-01", "")]
    [InlineData("commission", "health-visiting", null, "")]
    [InlineData("early-intervention", null, null, "")]
    [InlineData("superuser", null, null, "queens-park")]
    public void Tokens_with_the_wrong_bindings_are_not_issued(string role, string? service, string? champion, string ward)
    {
        var wards = ward.Length > 0 ? new[] { ward } : [];

        Assert.Throws<ArgumentException>(() => DevTokens.Issue(DevSigningKey.Create(), role, service, champion, wards, TimeSpan.FromHours(1), "x"));
    }

    [Fact]
    public void The_signing_key_file_is_created_once_and_then_reused()
    {
        var created = DevSigningKey.LoadOrCreate(_data);
        var again = DevSigningKey.LoadOrCreate(_data);

        Assert.Equal(created, again);
        Assert.Equal(("qpactors-dev", "qpactors"), (created.Issuer, created.Audience));
        Assert.Equal(32, created.KeyBytes().Length);
        Assert.True(File.Exists(Path.Combine(_data, DevSigningKey.FileName)));
        Assert.NotEqual(created.KeyBase64, DevSigningKey.Create().KeyBase64);
    }

    [Fact]
    public void A_key_file_with_a_short_key_is_refused()
    {
        Directory.CreateDirectory(_data);
        File.WriteAllText(Path.Combine(_data, DevSigningKey.FileName), """{"issuer":"qpactors-dev","audience":"qpactors","keyBase64":"AAAA"}""");

        Assert.Throws<InvalidDataException>(() => DevSigningKey.LoadOrCreate(_data));
    }
}
