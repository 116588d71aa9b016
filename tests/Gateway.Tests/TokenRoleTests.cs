using System.Net;
using Grpc.Core;
using QpActors.Gateway.Auth;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A token must carry exactly one role, and one a token may hold: with two it would pass the policy of either while
/// the grains trust only one, and the system's own role, which the grains audit differently, is never a token's. Such
/// a token is not valid at all (401), whether or not validated tokens are remembered.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TokenRoleTests(GatewayFixture gateway)
{
    public static TheoryData<string, string[]> Malformed => new()
    {
        { "the system's role", [Roles.System] },
        { "an unknown role", ["superuser"] },
        { "two roles", [QpRoles.EarlyIntervention, QpRoles.Admin] },
        { "the same role twice", [QpRoles.Admin, QpRoles.Admin] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public Task A_token_without_exactly_one_known_role_is_refused_everywhere_every_time(string what, string[] roles) =>
        // Each path twice: a second sight of the token must not be answered from the cache of validated tokens.
        RefusedOverHttpAndGrpcAsync(gateway, what, roles, sightings: 2);

    /// <summary>Every request's caller is named by the token's <c>sub</c>; a token naming nobody is no token (not a server error).</summary>
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public Task A_token_without_a_subject_is_refused_everywhere_every_time(string subject) =>
        RefusedOverHttpAndGrpcAsync(gateway, $"subject '{subject}'", [QpRoles.Admin], sightings: 2, subject);

    /// <summary>
    /// A token minted with <paramref name="roles"/> (and <paramref name="subject"/>, when given) is refused (401) on the HTTP
    /// paths of every role, each sent <paramref name="sightings"/> times, and over gRPC (Unauthenticated).
    /// </summary>
    internal static async Task RefusedOverHttpAndGrpcAsync(GatewayFixture gateway, string what, string[] roles, int sightings, string? subject = null)
    {
        var ward = Ids.Ward();
        var token = TestTokens.Mint(gateway.Tokens, new TestCaller(subject ?? "odd-" + Ids.Short(), QpRoles.Admin, Wards: [ward]), roles: roles);

        string[] paths = ["/v1/event-types", "/v1/audit", $"/v1/worklist?ward={ward}", $"/v1/wards/{ward}/unreached", $"/v1/stream/risk?ward={ward}"];
        foreach (var path in Enumerable.Repeat(paths, sightings).SelectMany(p => p))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {path} answered {(int)response.StatusCode}");
        }

        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            wards.GetWorklistAsync(new WorklistRequest { Ward = ward }, new Metadata { { "authorization", "Bearer " + token } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public Task A_token_with_one_known_role_still_passes() => PassesOverHttpAndGrpcAsync(gateway);

    /// <summary>A token with exactly one known role reads its ward's worklist over HTTP (200) and over gRPC.</summary>
    internal static async Task PassesOverHttpAndGrpcAsync(GatewayFixture gateway)
    {
        var ward = Ids.Ward();
        var token = TestTokens.Mint(gateway.Tokens, TestCaller.EarlyIntervention(ward), roles: [QpRoles.EarlyIntervention]);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/worklist?ward={ward}");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);

        using var response = await gateway.Http.SendAsync(request);
        var page = await new WardsService.WardsServiceClient(gateway.Grpc)
            .GetWorklistAsync(new WorklistRequest { Ward = ward }, new Metadata { { "authorization", "Bearer " + token } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ward, page.WardCode);
    }
}
