using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A live stream is authorised once, when it opens, and may then stay open for hours: it ends when the token that opened
/// it expires, so a caller whose token has lapsed stops receiving records. The tokens here expired ten seconds ago, which
/// the gateway still accepts (it allows 30 seconds of clock skew), so each stream opens and must end at once, with
/// nothing sent.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class StreamTokenExpiryTests(GatewayFixture gateway)
{
    private static readonly TimeSpan Expired = TimeSpan.FromSeconds(-10);

    // Configured wards: known without records, so their figures streams are admitted.
    private const string KnownWard = "queens-park";

    [Theory]
    [InlineData("risk")]
    [InlineData("figures")]
    public async Task An_sse_stream_ends_when_its_token_expires(string kind)
    {
        var ward = kind == "risk" ? Ids.Ward() : KnownWard;
        var caller = kind == "risk" ? TestCaller.EarlyIntervention(ward) : TestCaller.Commissioner();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/stream/{kind}?ward={ward}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(gateway.Tokens, caller, Expired));

        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(cancel.Token);

        Assert.Equal("retry: 2000\n\n", body);
    }

    [Theory]
    [InlineData("risk")]
    [InlineData("figures")]
    public async Task A_grpc_stream_ends_when_its_token_expires(string kind)
    {
        var ward = kind == "risk" ? Ids.Ward() : KnownWard;
        var caller = kind == "risk" ? TestCaller.EarlyIntervention(ward) : TestCaller.Commissioner();
        var headers = new Metadata { { "authorization", "Bearer " + TestTokens.Mint(gateway.Tokens, caller, Expired) } };
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = kind == "risk"
            ? wards.StreamRiskChanges(new StreamRequest { Ward = ward }, headers, cancellationToken: cancel.Token)
            : wards.StreamWardFigures(new StreamRequest { Ward = ward }, headers, cancellationToken: cancel.Token);

        var ended = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
    }
}
