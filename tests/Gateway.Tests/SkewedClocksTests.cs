using System.Globalization;
using System.Net;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A gateway and a silo whose clocks disagree: the silo's runs two hours ahead of the gateway's. Each is a fake clock, so
/// a test moves either alone.
/// </summary>
public sealed class SkewedClocksGatewayFixture : GatewayFixture
{
    /// <summary>The gateway's clock: the real now, so the events tests post (dated by the real clock) pass its checks.</summary>
    public FakeTimeProvider GatewayClock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The silo's clock, the grains' "now": two hours ahead of the gateway's, on a whole second (as the store keeps instants).</summary>
    public FakeTimeProvider SiloClock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddHours(2));

    protected override void ConfigureSilo(IServiceCollection services) => services.AddSingleton(new GrainClock(SiloClock));

    protected override void ConfigureGateway(IServiceCollection services) => services.AddSingleton<TimeProvider>(GatewayClock);
}

[CollectionDefinition(Name)]
public sealed class SkewedClocksGatewayCollection : ICollectionFixture<SkewedClocksGatewayFixture>
{
    public const string Name = "gateway-skewed-clocks";
}

/// <summary>
/// A break-glass window and the audit entries that record it are the family grain's, stamped and checked by the silo's
/// clock alone: the gateway's clock reaches neither, so a gateway whose clock lags the silo's cannot keep a window open
/// past its 30 minutes, and the entries say the silo's instants (docs/security.md, "Whose clock").
/// </summary>
[Collection(SkewedClocksGatewayCollection.Name)]
public sealed class SkewedClocksTests(SkewedClocksGatewayFixture gateway)
{
    private const string BreakGlassReason = "Child presented at A&E out of hours; safeguarding check";

    [Fact]
    public async Task A_break_glass_window_and_its_audit_entries_go_by_the_silos_clock_whatever_the_gateways_says()
    {
        var (_, familyId) = await gateway.RegisteredFamilyAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var openedAt = gateway.SiloClock.GetUtcNow();
        using (var opened = await ReadAsync(familyId, elsewhere, BreakGlassReason))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        // Inside the window by the silo's clock: the practitioner sets the level (the gateway stamps the decision's time by
        // its own clock, two hours behind).
        gateway.SiloClock.Advance(TimeSpan.FromMinutes(29));
        var inside = await gateway.PutLevelAsync(elsewhere, familyId, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Seen out of hours; agreed extra support"));
        Assert.Equal((HttpStatusCode.OK, "accepted"), (inside.Status, inside.Receipt.GetProperty("status").GetString()));

        // The silo's clock passes the window's end; the gateway's has not moved at all, and by it the window opened two hours
        // from now. The window is closed: to reads and decisions, on both transports.
        gateway.SiloClock.Advance(TimeSpan.FromMinutes(2));
        using (var closed = await ReadAsync(familyId, elsewhere, reason: null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, closed.StatusCode);
        }

        var decision = await gateway.PutLevelAsync(elsewhere, familyId, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-partnership-plus", "Seen out of hours; agreed extra support"));
        Assert.Equal(HttpStatusCode.Forbidden, decision.Status);
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => families.SetLevelAsync(
            new SetLevelRequest { FamilyId = familyId, EventId = Ids.Event(), Level = "universal-partnership-plus", Reason = "Seen out of hours; agreed extra support" },
            gateway.GrpcHeaders(elsewhere)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, overGrpc.StatusCode);

        // Every entry is stamped by the silo's clock: the opening at its instant, the decision's access 29 minutes on (naming
        // the window's end by the same clock), the refusals 31 minutes on.
        // (A read of the log is bounded by the silo's now, exclusive, so the clock moves on a second first.)
        gateway.SiloClock.Advance(TimeSpan.FromSeconds(1));
        var entries = (await AuditAsync($"family={familyId}&user={elsewhere.Subject}")).Reverse().ToArray();
        Assert.Equal(
            [
                ("risk-status-read", openedAt),
                ("risk-status-read", openedAt.AddMinutes(29)),
                ("risk-status-denied", openedAt.AddMinutes(31)),
                ("risk-status-denied", openedAt.AddMinutes(31)),
                ("risk-status-denied", openedAt.AddMinutes(31)),
            ],
            entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("at").GetDateTimeOffset())));
        Assert.EndsWith("(within the break-glass window until " + openedAt.AddMinutes(30).ToString("O", CultureInfo.InvariantCulture) + ")",
            entries[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> ReadAsync(string familyId, TestCaller caller, string? reason)
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
