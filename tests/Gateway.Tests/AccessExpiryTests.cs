using System.Net;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The real gateway and silo with one fake clock for the gateway's operations and the grains: access that is limited in
/// time (a break-glass window, a token's life on a live stream) is seen to end by moving the clock, not by waiting.
/// </summary>
public sealed class FakeClockGatewayFixture : GatewayFixture
{
    /// <summary>
    /// Starts at the real now and only moves forward: tokens are validated against the real clock, so a token a test means to
    /// expire on this clock is minted with an expiry on it (<see cref="TestTokens.Mint"/>'s <c>expires</c>).
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureSilo(IServiceCollection services) => services.AddSingleton(new GrainClock(Clock));

    protected override void ConfigureGateway(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

[CollectionDefinition(Name)]
public sealed class FakeClockGatewayCollection : ICollectionFixture<FakeClockGatewayFixture>
{
    public const string Name = "gateway-fake-clock";
}

[Collection(FakeClockGatewayCollection.Name)]
public sealed class AccessExpiryTests(FakeClockGatewayFixture gateway)
{
    private const string Reason = "Child presented at A&E out of hours; safeguarding check";

    [Fact]
    public async Task A_break_glass_window_closes_after_thirty_minutes_on_both_transports_and_each_read_inside_it_is_audited_with_its_reason()
    {
        var ward = Ids.Ward();
        var familyId = await RegisterFamilyAsync(ward);
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);

        using (var opened = await RiskAsync(familyId, elsewhere, Reason))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        // The glass opens that family, not its ward: the ward's worklist, unreached infants and risk stream stay closed.
        foreach (var path in new[] { $"/v1/worklist?ward={ward}", $"/v1/wards/{ward}/unreached", $"/v1/stream/risk?ward={ward}" })
        {
            using var list = await gateway.SendAsync(HttpMethod.Get, path, elsewhere);
            Assert.True(list.StatusCode == HttpStatusCode.Forbidden, $"{path} answered {(int)list.StatusCode}");
        }

        gateway.Clock.Advance(TimeSpan.FromMinutes(29));
        using (var inside = await RiskAsync(familyId, elsewhere, reason: null))
        {
            Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        }

        Assert.Equal(familyId, (await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(elsewhere))).FamilyId);

        gateway.Clock.Advance(TimeSpan.FromMinutes(2));
        using (var closed = await RiskAsync(familyId, elsewhere, reason: null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, closed.StatusCode);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(elsewhere)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("BREAK_GLASS_REQUIRED", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);

        // Newest first: the two refusals, the two reads inside the window, the read that opened it. Each read names the
        // written reason, so an entry read on its own says why the family was opened. (The log is read up to the instant
        // of the read, exclusive, and this clock stands still: the refusals' instant must be over first.)
        gateway.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var entries = await AuditAsync($"family={familyId}&user={elsewhere.Subject}");
        Assert.Equal(
            ["risk-status-denied", "risk-status-denied", "risk-status-read", "risk-status-read", "risk-status-read"],
            entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries[2..], e =>
        {
            Assert.True(e.GetProperty("breakGlass").GetBoolean());
            Assert.StartsWith(Reason, e.GetProperty("reason").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_break_glass_window_outlives_its_family_grain_being_deactivated_and_still_closes_at_its_end()
    {
        var familyId = await RegisterFamilyAsync(Ids.Ward());
        var family = gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IFamilyGrain>(familyId);
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        using (var opened = await RiskAsync(familyId, elsewhere, Reason))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        // Five minutes on, the family's grain is collected (idle, a restart, a rebalance): the window it held is still open.
        gateway.Clock.Advance(TimeSpan.FromMinutes(5));
        await gateway.DeactivateAsync(family);
        using (var inside = await RiskAsync(familyId, elsewhere, reason: null))
        {
            Assert.Equal(HttpStatusCode.OK, inside.StatusCode);
        }

        // Setting the level checks the window too, also in an activation that has not read the family yet.
        gateway.Clock.Advance(TimeSpan.FromMinutes(24));
        await gateway.DeactivateAsync(family);
        var level = LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Seen out of hours; agreed extra support with the family");
        using (var set = await gateway.SendAsync(HttpMethod.Put, $"/v1/families/{familyId}/level", elsewhere, level))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        // Thirty-one minutes after the reason was given, in a fresh activation again: closed.
        gateway.Clock.Advance(TimeSpan.FromMinutes(2));
        await gateway.DeactivateAsync(family);
        using (var closed = await RiskAsync(familyId, elsewhere, reason: null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, closed.StatusCode);
        }

        // Newest first: the refusal, the scope read before the level was set, the read after the first deactivation, the
        // read that opened the window. The reads inside the window name the reason that was given before the deactivation.
        gateway.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var entries = await AuditAsync($"family={familyId}&user={elsewhere.Subject}");
        Assert.Equal(
            ["risk-status-denied", "risk-status-read", "risk-status-read", "risk-status-read"],
            entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries[1..], e =>
        {
            Assert.True(e.GetProperty("breakGlass").GetBoolean());
            Assert.StartsWith(Reason, e.GetProperty("reason").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal("set-level", entries[1].GetProperty("purpose").GetString());
    }

    [Fact]
    public async Task A_risk_stream_ends_when_the_token_that_opened_it_expires_and_nothing_after_is_audited()
    {
        var ward = Ids.Ward();
        await RegisterFamilyAsync(ward);
        var subscriber = TestCaller.EarlyIntervention(ward);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/stream/risk?ward={ward}");
        request.Headers.Authorization = new("Bearer", TestTokens.Mint(gateway.Tokens, subscriber, expires: gateway.Clock.GetUtcNow().AddMinutes(10)));
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal("snapshot", (await WardApiTests.NextEventAsync(reader, cancel.Token)).Kind);

        gateway.Clock.Advance(TimeSpan.FromMinutes(11));

        await Assert.ThrowsAsync<EndOfStreamException>(() => WardApiTests.NextEventAsync(reader, cancel.Token));
        Assert.Single((await AuditAsync($"user={subscriber.Subject}")).Select(e => e.GetProperty("detail").GetString()).Distinct());
    }

    [Fact]
    public async Task A_grpc_risk_stream_ends_unauthenticated_when_the_token_that_opened_it_expires()
    {
        var ward = Ids.Ward();
        await RegisterFamilyAsync(ward);
        var subscriber = TestCaller.EarlyIntervention(ward);
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var headers = new Metadata { { "authorization", "Bearer " + TestTokens.Mint(gateway.Tokens, subscriber, expires: gateway.Clock.GetUtcNow().AddMinutes(10)) } };
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = wards.StreamRiskChanges(new StreamRequest { Ward = ward }, headers, cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("snapshot", call.ResponseStream.Current.Kind);

        gateway.Clock.Advance(TimeSpan.FromMinutes(11));

        var ended = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
    }

    private async Task<string> RegisterFamilyAsync(string ward)
    {
        var familyId = Ids.Family();
        using var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker(), TestEvents.FamilyRegistered(familyId, ward).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        await gateway.DrainAsync();
        return familyId;
    }

    private async Task<HttpResponseMessage> RiskAsync(string familyId, TestCaller caller, string? reason)
    {
        using var request = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", caller);
        if (reason is not null)
        {
            request.Headers.Add("X-Break-Glass-Reason", reason);
        }

        return await gateway.Http.SendAsync(request);
    }

    private async Task<JsonElement[]> AuditAsync(string query)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + query, TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }
}
