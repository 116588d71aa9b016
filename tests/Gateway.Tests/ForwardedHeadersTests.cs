using System.Net;
using System.Net.Http.Headers;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Behind a proxy that terminates TLS the gateway sees plain HTTP, so it takes the scheme from the proxy's
/// <c>X-Forwarded-Proto</c>, but only from a proxy it is told to trust (<c>Gateway:ForwardedHeaders:*</c>): the dashboard's
/// cookie is then marked Secure. From anyone else, and from everyone when no proxy is configured, the header is ignored.
/// The tests' requests come from loopback, so a gateway trusting loopback stands for one behind its proxy.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ForwardedHeadersTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Behind_a_trusted_proxy_saying_https_the_dashboards_cookie_is_secure_and_still_carries_the_browser()
    {
        await using var behindProxy = await gateway.StartAnotherGatewayAsync("--Gateway:ForwardedHeaders:KnownProxies:0=127.0.0.1");

        var (cookie, attributes) = await SignInAsync(behindProxy.Http, forwardedProto: "https");

        Assert.Contains("secure", attributes, StringComparer.OrdinalIgnoreCase);
        using var poll = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
        poll.Headers.Add("Cookie", cookie);
        poll.Headers.Add("X-Forwarded-Proto", "https");
        using var polled = await behindProxy.Http.SendAsync(poll);
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
    }

    [Fact]
    public async Task From_an_address_that_is_not_a_trusted_proxy_the_header_is_ignored()
    {
        // Proxies are configured, the connection comes from none of them.
        await using var elsewhere = await gateway.StartAnotherGatewayAsync(
            "--Gateway:ForwardedHeaders:KnownProxies:0=10.0.0.1",
            "--Gateway:ForwardedHeaders:KnownNetworks:0=192.0.2.0/24");

        var (_, attributes) = await SignInAsync(elsewhere.Http, forwardedProto: "https");

        Assert.DoesNotContain("secure", attributes, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_no_proxy_configured_the_header_is_ignored_whoever_sends_it()
    {
        // The fixture's gateway configures none; its connections come from loopback, which the framework's own defaults
        // would have trusted.
        var (_, attributes) = await SignInAsync(gateway.Http, forwardedProto: "https");

        Assert.DoesNotContain("secure", attributes, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_hosts_own_switch_for_forwarded_headers_does_not_make_the_gateway_believe_anyone()
    {
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED (here as the setting it becomes) adds the framework's middleware trusting every
        // address; with no proxy configured the gateway reads no forwarded header through it either.
        await using var switchedOn = await gateway.StartAnotherGatewayAsync("--FORWARDEDHEADERS_ENABLED=true");

        var (_, attributes) = await SignInAsync(switchedOn.Http, forwardedProto: "https");

        Assert.DoesNotContain("secure", attributes, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>An administrator's page load through the proxy: the cookie set, and its attributes.</summary>
    private async Task<(string Cookie, string[] Attributes)> SignInAsync(HttpClient http, string forwardedProto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.Token(TestCaller.Administrator()));
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var page = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var parts = Assert.Single(page.Headers.GetValues("Set-Cookie")).Split(';', StringSplitOptions.TrimEntries);
        return (parts[0], parts[1..]);
    }
}
