using System.Net;

namespace QpActors.Gateway.Tests;

/// <summary>What the gateway's Prometheus endpoint exposes about requests, and what it leaves out.</summary>
[Collection(GatewayCollection.Name)]
public sealed class MetricsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Metrics_carry_the_request_duration_and_gc_pauses_but_not_the_per_request_routing_and_auth_meters()
    {
        using (var live = await gateway.SendAsync(HttpMethod.Get, "/health/live", caller: null))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var text = await ScrapeAsync();

        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_pause_time_seconds_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_routing_match_attempts", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_authorization_attempts", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_authentication_authenticated_requests", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_carry_the_journals_wait_commit_time_and_writes_per_commit_once_a_contact_is_recorded()
    {
        var birth = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward());
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker("midwifery"), birth.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        var text = await ScrapeAsync();

        Assert.Contains("qp_journal_append_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("qp_journal_commit_duration_seconds_count", text, StringComparison.Ordinal);
        Assert.Contains("outcome=\"committed\"", text, StringComparison.Ordinal);
        Assert.Contains("qp_journal_commit_writes_sum", text, StringComparison.Ordinal);
    }

    /// <summary>The gateway's Prometheus exposition, which it serves to anyone who can reach it.</summary>
    private async Task<string> ScrapeAsync()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/metrics", caller: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
