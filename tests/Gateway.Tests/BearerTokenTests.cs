using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The real gateway's bearer authentication with its cache of validated tokens: a token seen before is answered
/// before the bearer handler validates it again, and that answer is still the token's own identity, so the role
/// policies apply to it exactly as to a freshly validated one.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BearerTokenTests(GatewayFixture gateway)
{
    private CachingJsonWebTokenHandler Cache => gateway.GatewayServices.GetRequiredService<CachingJsonWebTokenHandler>();

    [Fact]
    public async Task A_token_seen_before_is_not_validated_again_and_keeps_its_role()
    {
        var token = gateway.Token(TestCaller.Commissioner());
        var before = Cache.FullValidations;

        using var first = await SendAsync("/v1/event-types", "Bearer " + token);
        using var second = await SendAsync("/v1/event-types", "Bearer " + token);
        using var forbidden = await SendAsync("/v1/audit", "Bearer " + token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(before + 1, Cache.FullValidations);
    }

    [Fact]
    public async Task The_bearer_handler_is_answered_before_validation_only_for_a_token_validated_before()
    {
        var caller = TestCaller.EarlyIntervention(Ids.Ward());
        var token = gateway.Token(caller);

        var unknown = await MessageReceivedAsync("Bearer " + token);
        using var validated = await SendAsync("/v1/event-types", "Bearer " + token);
        var known = await MessageReceivedAsync("Bearer " + token);
        var otherScheme = await MessageReceivedAsync("Basic " + token);

        Assert.Null(unknown.Result);
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.True(known.Result?.Succeeded);
        Assert.Equal(caller.Subject, CallerFactory.FromPrincipal(known.Result!.Principal!).UserId);
        Assert.Null(otherScheme.Result);
    }

    [Fact]
    public async Task The_scheme_is_read_in_any_case_and_the_token_trimmed_as_the_bearer_handler_does()
    {
        var token = gateway.Token(TestCaller.Administrator());
        using var validated = await SendAsync("/v1/audit", "Bearer " + token);
        var before = Cache.FullValidations;

        using var lower = await SendAsync("/v1/audit", "bearer " + token + "  ");

        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lower.StatusCode);
        Assert.Equal(before, Cache.FullValidations);
    }

    [Fact]
    public async Task A_token_altered_after_its_original_was_cached_is_refused()
    {
        var token = gateway.Token(TestCaller.Administrator());
        using var validated = await SendAsync("/v1/audit", "Bearer " + token);
        var signature = token.LastIndexOf('.') + 1;
        var altered = token[..signature] + (token[signature] == 'A' ? 'B' : 'A') + token[(signature + 1)..];

        using var refused = await SendAsync("/v1/audit", "Bearer " + altered);
        using var prefixOnly = await SendAsync("/v1/audit", "Bearer " + token[..^1]);

        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, prefixOnly.StatusCode);
    }

    /// <summary>Raises the gateway's own bearer MessageReceived event for a request with this Authorization header.</summary>
    private async Task<MessageReceivedContext> MessageReceivedAsync(string authorization)
    {
        var options = gateway.GatewayServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var http = new DefaultHttpContext();
        http.Request.Path = "/v1/event-types";
        http.Request.Headers.Authorization = authorization;
        var context = new MessageReceivedContext(http, new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler)), options);
        await options.Events.MessageReceived(context);
        return context;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await gateway.Http.SendAsync(request);
    }
}
