using System.Net;

namespace QpActors.Gateway.Tests;

/// <summary>
/// <c>/dashboard</c> without its trailing slash: the dashboard's pages load their assets by relative
/// paths, so the bare path redirects to <c>/dashboard/</c> (query kept, so a browser's
/// <c>access_token</c> survives) for an admin and is refused like the dashboard for everyone else.
/// An HTTP client that follows the redirect by itself drops the Authorization header on the way
/// (which is what made the bare path look like a 401 for an admin), so these tests follow it by hand.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DashboardTests(GatewayFixture gateway) : IDisposable
{
    private readonly HttpClient _noRedirects = new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        BaseAddress = gateway.Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static TheoryData<string> Roles() => ["anonymous", "frontline-service", "frontline-champion", "early-intervention", "commission", "admin"];

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task The_bare_path_redirects_an_admin_and_refuses_everyone_else(string role)
    {
        var caller = Caller(role);
        using var request = gateway.Request(HttpMethod.Get, "/dashboard", caller);

        using var response = await _noRedirects.SendAsync(request);

        switch (role)
        {
            case "admin":
                Assert.True(IsRedirect(response.StatusCode), $"expected a redirect, got {(int)response.StatusCode}");
                Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
                using (var followed = gateway.Request(HttpMethod.Get, response.Headers.Location!.OriginalString, caller))
                using (var page = await _noRedirects.SendAsync(followed))
                {
                    Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                }

                break;
            case "anonymous":
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                break;
            default:
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task The_bare_path_with_the_token_in_the_query_behaves_as_the_slashed_path(string role)
    {
        var caller = Caller(role);
        var query = caller is null ? "" : "?access_token=" + Uri.EscapeDataString(gateway.Token(caller));

        using var bare = await _noRedirects.GetAsync(new Uri("/dashboard" + query, UriKind.Relative));
        using var slashed = await _noRedirects.GetAsync(new Uri("/dashboard/" + query, UriKind.Relative));

        if (role == "admin")
        {
            // Both set the cookie and send the browser to the page without the token, by a redirect no browser keeps (303):
            // a permanent one from the bare path, kept with the token in it, would hand the token on from the cache.
            Assert.Equal((HttpStatusCode.SeeOther, HttpStatusCode.SeeOther), (bare.StatusCode, slashed.StatusCode));
            Assert.Equal("/dashboard/", bare.Headers.Location?.OriginalString);
            Assert.Equal("/dashboard/", slashed.Headers.Location?.OriginalString);
            Assert.True(bare.Headers.Contains("Set-Cookie"), "the bare path set no cookie");
            using var page = await _noRedirects.GetAsync(slashed.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
        else
        {
            Assert.Equal(slashed.StatusCode, bare.StatusCode);
            Assert.Equal(caller is null ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, bare.StatusCode);
        }
    }

    [Fact]
    public async Task Each_load_of_the_page_and_each_opening_of_the_log_stream_is_audited_once_and_the_polls_are_not()
    {
        var admin = TestCaller.Administrator();

        // A load: the page, its script and styles, then its data polled (every second in a browser); then a reload.
        foreach (var path in new[] { "/dashboard/", "/dashboard/index.min.js", "/dashboard/index.css", "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/DashboardCounters", "/dashboard/index.html" })
        {
            using var request = gateway.Request(HttpMethod.Get, path, admin);
            using var response = await _noRedirects.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
        }

        // The live log stream: audited before its first line is sent.
        using (var request = gateway.Request(HttpMethod.Get, "/dashboard/Trace", admin))
        using (var response = await _noRedirects.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?user={admin.Subject}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        var entries = (await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(
            [("dashboard-read", "log stream"), ("dashboard-read", "page"), ("dashboard-read", "page")],
            entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("detail").GetString())));
        Assert.All(entries, e =>
        {
            Assert.Equal("admin", e.GetProperty("role").GetString());
            Assert.Equal("dashboard", e.GetProperty("purpose").GetString());
        });
    }

    [Fact]
    public async Task The_grain_state_reader_which_would_call_a_family_as_the_system_is_refused()
    {
        var familyId = Ids.Family();
        using var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker(), TestEvents.FamilyRegistered(familyId, Ids.Ward()).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);

        using var refused = await gateway.SendAsync(HttpMethod.Get, $"/dashboard/GrainState?grainId={familyId}&grainType=QpActors.Grains.FamilyGrain", TestCaller.Administrator());

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(familyId, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public void Dispose() => _noRedirects.Dispose();

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static TestCaller? Caller(string role) => role switch
    {
        "anonymous" => null,
        "frontline-service" => TestCaller.ServiceWorker(),
        "frontline-champion" => TestCaller.ChampionOf("champion-" + Ids.Short(), Ids.Ward()),
        "early-intervention" => TestCaller.EarlyIntervention(Ids.Ward()),
        "commission" => TestCaller.Commissioner(),
        "admin" => TestCaller.Administrator(),
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}
