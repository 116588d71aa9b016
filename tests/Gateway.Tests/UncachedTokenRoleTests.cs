using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Auth;
using QpActors.Gateway.Grpc.V1;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>A gateway that validates every token afresh (<c>Auth:CacheValidatedTokens=false</c>): the bearer handler's own validation.</summary>
public sealed class UncachedTokensGatewayFixture() : GatewayFixture(SiloHosting.InProcess, "--Auth:CacheValidatedTokens=false");

[CollectionDefinition(Name)]
public sealed class UncachedTokensGatewayCollection : ICollectionFixture<UncachedTokensGatewayFixture>
{
    public const string Name = "gateway-uncached-tokens";
}

/// <summary>
/// Without the cache of validated tokens the one-role rule is the bearer handler's <c>OnTokenValidated</c> check, not the
/// cache's: the same tokens are refused the same way (see <see cref="TokenRoleTests"/> for the cached path).
/// </summary>
[Collection(UncachedTokensGatewayCollection.Name)]
public sealed class UncachedTokenRoleTests(UncachedTokensGatewayFixture gateway)
{
    [Fact]
    public void This_gateway_validates_tokens_without_the_cache()
    {
        Assert.Null(gateway.GatewayServices.GetService<CachingJsonWebTokenHandler>());
    }

    [Theory]
    [MemberData(nameof(TokenRoleTests.Malformed), MemberType = typeof(TokenRoleTests))]
    public Task A_token_without_exactly_one_known_role_is_refused_over_http_and_grpc(string what, string[] roles) =>
        TokenRoleTests.RefusedOverHttpAndGrpcAsync(gateway, what, roles, sightings: 1);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public Task A_token_without_a_subject_is_refused_over_http_and_grpc(string subject) =>
        TokenRoleTests.RefusedOverHttpAndGrpcAsync(gateway, $"subject '{subject}'", [QpRoles.Admin], sightings: 1, subject);

    [Fact]
    public Task A_token_with_one_known_role_passes_over_http_and_grpc() => TokenRoleTests.PassesOverHttpAndGrpcAsync(gateway);
}
