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

    [Fact]
    public async Task Metrics_name_no_ward_family_child_or_caller_that_requests_named()
    {
        var (ward, family, child) = (Ids.Ward(), Ids.Family(), Ids.Child());
        var reader = TestCaller.EarlyIntervention(ward);
        var commissioner = TestCaller.Commissioner();
        var birth = TestEvents.BirthNotified(family, child, ward);
        foreach (var (method, path, caller, body) in new (HttpMethod, string, TestCaller, string?)[]
        {
            (HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker("midwifery"), birth.ToJsonString()),
            (HttpMethod.Get, $"/v1/families/{family}/risk", reader, null),
            (HttpMethod.Get, $"/v1/families/{family}-unknown/risk", reader, null),
            (HttpMethod.Get, $"/v1/worklist?ward={ward}", reader, null),
            (HttpMethod.Get, $"/v1/wards/{ward}/figures", commissioner, null),
            (HttpMethod.Get, $"/v1/wards/{ward}/unreached", reader, null),
        })
        {
            using var response = await gateway.SendAsync(method, path, caller, body);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{path}: {response.StatusCode}");
        }

        var text = await ScrapeAsync();

        // Series are split by route template, method, status, grain type, silo and database, never by a value in a path,
        // query or body, nor by who asked: the anonymous scrape says how busy the system is, not about whom.
        foreach (var named in new[] { ward, family, child, reader.Subject, commissioner.Subject })
        {
            Assert.DoesNotContain(named, text, StringComparison.Ordinal);
        }

        Assert.Contains("http_route=\"/v1/families/{familyId}/risk\"", text, StringComparison.Ordinal);
    }

    /// <summary>The gateway's Prometheus exposition, which it serves to anyone who can reach it.</summary>
    private async Task<string> ScrapeAsync()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/metrics", caller: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
