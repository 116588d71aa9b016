using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The dashboard as a browser uses it: the administrator opens the page once with a token (in the query, as a browser's
/// address bar carries it, or in the header); the page then fetches its script and styles and polls its data every second
/// by relative paths, with no token. Only the dashboard's cookie, set by that page load, can carry the administrator on.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class DashboardBrowserTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("query")]
    [InlineData("header")]
    public async Task After_an_admin_opens_the_page_with_a_token_its_script_styles_and_data_polls_load_on_the_cookie_alone_and_only_the_page_is_audited(string tokenIn)
    {
        var admin = TestCaller.Administrator();
        using var browser = new Browser(gateway);

        var page = await browser.OpenAsync(gateway.Token(admin), tokenIn);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.NotNull(browser.DashboardCookie);

        // What the page asks for next, found where a browser finds it: the script and styles in the page's HTML, the data
        // it polls in the script.
        var script = ScriptPath().Match(page.Body);
        var styles = StylesPath().Match(page.Body);
        Assert.True(script.Success && styles.Success, "the page names no script or no stylesheet");
        var (scriptStatus, scriptText) = await browser.GetAsync(script.Groups["path"].Value);
        Assert.Equal(HttpStatusCode.OK, scriptStatus);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(styles.Groups["path"].Value)).Status);
        Assert.Contains("`DashboardCounters", scriptText, StringComparison.Ordinal);
        for (var poll = 0; poll < 3; poll++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("DashboardCounters")).Status);
        }

        // One look, one entry: the page load, not its assets or its polls.
        var entries = await DashboardAuditAsync(gateway, admin);
        Assert.Equal([("dashboard-read", "page")], entries);
    }

    [Fact]
    public async Task The_cookie_is_http_only_same_site_strict_for_the_dashboard_path_alone_and_expires_with_the_token()
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(20);
        using var browser = new Browser(gateway);

        var page = await browser.OpenAsync(TestTokens.Mint(gateway.Tokens, TestCaller.Administrator(), expires: expires), "query");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var setCookie = Assert.Single(page.SetCookies);
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).ToArray();
        Assert.Contains("httponly", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", attributes, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", attributes, StringComparer.OrdinalIgnoreCase);
        var cookie = browser.DashboardCookie!;
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/dashboard", cookie.Path);
        Assert.InRange(cookie.Expires.ToUniversalTime(), expires.UtcDateTime.AddMinutes(-1), expires.UtcDateTime);
    }

    [Fact]
    public async Task The_cookie_opens_nothing_outside_the_dashboard_on_either_transport()
    {
        using var browser = new Browser(gateway);
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(gateway.Token(TestCaller.Administrator()), "query")).Status);
        var cookie = browser.DashboardCookie!;
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("DashboardCounters")).Status);

        // Sent by hand where a browser would not send it (its path is /dashboard): the gateway does not read it there.
        foreach (var path in new[] { "/v1/audit", $"/v1/stream/risk?ward={Ids.Ward()}", "/v1/event-types" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path} answered {(int)response.StatusCode}");
        }

        var audit = new AuditService.AuditServiceClient(gateway.Grpc);
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            audit.QueryAsync(new AuditQueryRequest(), new Metadata { { "cookie", $"{cookie.Name}={cookie.Value}" } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    public static TheoryData<string, string> NotAdmin() => new()
    {
        { "frontline-service", "query" },
        { "frontline-champion", "query" },
        { "early-intervention", "query" },
        { "commission", "query" },
        { "commission", "header" },
        { "early-intervention", "header" },
    };

    [Theory]
    [MemberData(nameof(NotAdmin))]
    public async Task A_token_of_any_other_role_gets_no_cookie_and_is_refused(string role, string tokenIn)
    {
        var caller = role switch
        {
            "frontline-service" => TestCaller.ServiceWorker(),
            "frontline-champion" => TestCaller.ChampionOf("champion-" + Ids.Short(), Ids.Ward()),
            "early-intervention" => TestCaller.EarlyIntervention(Ids.Ward()),
            "commission" => TestCaller.Commissioner(),
            _ => throw new ArgumentOutOfRangeException(nameof(role)),
        };
        using var browser = new Browser(gateway);

        var page = await browser.OpenAsync(gateway.Token(caller), tokenIn);

        Assert.Equal(HttpStatusCode.Forbidden, page.Status);
        Assert.Empty(page.SetCookies);
        Assert.Null(browser.DashboardCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("DashboardCounters")).Status);
    }

    [Fact]
    public async Task A_token_already_expired_that_the_clock_skew_still_admits_opens_the_page_but_gets_no_cookie()
    {
        using var browser = new Browser(gateway);
        var expired = TestTokens.Mint(gateway.Tokens, TestCaller.Administrator(), lifetime: TimeSpan.FromSeconds(-10));

        var page = await browser.OpenAsync(expired, "query");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Empty(page.SetCookies);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("DashboardCounters")).Status);
    }

    [Fact]
    public async Task A_token_sent_with_the_cookie_decides_so_a_token_without_the_admin_role_or_a_bad_one_is_refused()
    {
        using var browser = new Browser(gateway);
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(gateway.Token(TestCaller.Administrator()), "query")).Status);

        // The same browser, its administrator's role since taken away: the token it now presents is a commissioner's.
        var commissioner = gateway.Token(TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("DashboardCounters?access_token=" + Uri.EscapeDataString(commissioner))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("DashboardCounters", bearer: commissioner)).Status);
        var forged = TestTokens.Mint(gateway.Tokens, TestCaller.Administrator(), key: new byte[32]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("DashboardCounters", bearer: forged)).Status);
    }

    [Fact]
    public async Task A_page_opened_with_the_token_in_the_query_is_answered_with_a_redirect_to_itself_without_the_token_once_the_cookie_is_set()
    {
        var admin = TestCaller.Administrator();
        var token = gateway.Token(admin);
        using var browser = new Browser(gateway);

        // As the address bar sends it, another parameter on either side of the token (an encoded name too).
        foreach (var (sent, kept) in new[]
        {
            ($"?view=grains&access_token={Uri.EscapeDataString(token)}&since=1", "/dashboard/?view=grains&since=1"),
            ($"?access%5Ftoken={Uri.EscapeDataString(token)}", "/dashboard/"),
            ($"index.html?access_token={Uri.EscapeDataString(token)}", "/dashboard/index.html"),
        })
        {
            using var response = await browser.SendAsync(sent);

            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal(kept, response.Headers.Location?.OriginalString);
            Assert.Contains(Browser.SetCookies(response), c => c.StartsWith("qp-dashboard=", StringComparison.Ordinal));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }

        // Nothing was shown yet, so nothing is on record; the page the browser then loads on its cookie alone is.
        Assert.Empty(await DashboardAuditAsync(gateway, admin));
        using var page = await browser.SendAsync("/dashboard/?view=grains&since=1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal([("dashboard-read", "page")], await DashboardAuditAsync(gateway, admin));
    }

    [Fact]
    public async Task A_browser_following_redirects_lands_on_the_page_without_the_token_and_the_look_is_audited_once()
    {
        var admin = TestCaller.Administrator();
        using var browser = new Browser(gateway, followRedirects: true);

        using var page = await browser.SendAsync("/dashboard?view=grains&access_token=" + Uri.EscapeDataString(gateway.Token(admin)));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("/dashboard/?view=grains", page.RequestMessage!.RequestUri!.PathAndQuery);
        Assert.NotNull(browser.DashboardCookie);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("DashboardCounters")).Status);
        Assert.Equal([("dashboard-read", "page")], await DashboardAuditAsync(gateway, admin));
    }

    [Fact]
    public async Task Every_dashboard_answer_tells_the_browser_to_send_no_referrer()
    {
        var admin = gateway.Token(TestCaller.Administrator());
        using var browser = new Browser(gateway);
        using var refusedAnonymous = await browser.SendAsync("/dashboard/DashboardCounters");
        using var refusedRole = await browser.SendAsync("/dashboard/?access_token=" + Uri.EscapeDataString(gateway.Token(TestCaller.Commissioner())));
        using var bare = await browser.SendAsync("/dashboard?access_token=" + Uri.EscapeDataString(admin));
        using var redirect = await browser.SendAsync("/dashboard/?access_token=" + Uri.EscapeDataString(admin));
        using var page = await browser.SendAsync(redirect.Headers.Location!.OriginalString);
        using var script = await browser.SendAsync("/dashboard/index.min.js");
        using var poll = await browser.SendAsync("/dashboard/DashboardCounters");
        using var grainState = await browser.SendAsync("/dashboard/GrainState");

        foreach (var (response, status) in new[]
        {
            (refusedAnonymous, HttpStatusCode.Unauthorized), (refusedRole, HttpStatusCode.Forbidden),
            (bare, HttpStatusCode.SeeOther), (redirect, HttpStatusCode.SeeOther), (page, HttpStatusCode.OK),
            (script, HttpStatusCode.OK), (poll, HttpStatusCode.OK), (grainState, HttpStatusCode.Forbidden),
        })
        {
            Assert.Equal(status, response.StatusCode);
            Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var policy), $"{response.RequestMessage!.RequestUri!.PathAndQuery.Split('?')[0]} answered {(int)status} without a Referrer-Policy");
            Assert.Equal("no-referrer", Assert.Single(policy));
        }
    }

    /// <summary>The administrator's <c>dashboard-read</c> entries, newest first, as (action, detail).</summary>
    internal static async Task<(string?, string?)[]> DashboardAuditAsync(GatewayFixture gateway, TestCaller admin)
    {
        using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?user={admin.Subject}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        return [.. (await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray()
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("detail").GetString()))];
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<path>[^\"]+)\"")]
    private static partial Regex ScriptPath();

    [GeneratedRegex("<link[^>]*rel=\"stylesheet\"[^>]*\\shref=\"(?<path>[^\"]+)\"")]
    private static partial Regex StylesPath();
}

/// <summary>
/// The dashboard's cookie stops working when the token that opened the page expires, by the gateway's clock: a browser
/// keeps sending it as long as it likes, and the gateway decides.
/// </summary>
[Collection(FakeClockGatewayCollection.Name)]
public sealed class DashboardCookieExpiryTests(FakeClockGatewayFixture gateway)
{
    [Fact]
    public async Task The_cookie_stops_opening_the_dashboard_when_the_token_that_opened_the_page_expires()
    {
        var admin = TestCaller.Administrator();
        using var browser = new Browser(gateway);
        var token = TestTokens.Mint(gateway.Tokens, admin, expires: gateway.Clock.GetUtcNow().AddMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(token, "query")).Status);

        gateway.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("DashboardCounters")).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("")).Status);

        // Past the token's expiry, by the gateway's clock (the browser's own clock would still send the cookie): refused,
        // the page and the polls alike, and nothing more is audited.
        gateway.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.NotNull(browser.DashboardCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("DashboardCounters")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("")).Status);

        gateway.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([("dashboard-read", "page"), ("dashboard-read", "page")], await DashboardBrowserTests.DashboardAuditAsync(gateway, admin));
    }

    [Fact]
    public async Task The_log_stream_opened_on_the_cookie_ends_when_the_token_that_opened_the_page_expires()
    {
        using var browser = new Browser(gateway);
        var token = TestTokens.Mint(gateway.Tokens, TestCaller.Administrator(), expires: gateway.Clock.GetUtcNow().AddMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenAsync(token, "query")).Status);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var stream = await browser.OpenStreamAsync("Trace", cancel.Token);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cancel.Token));

        // Its greeting is sent once the stream (and its end) is set up; the dashboard's own end is an hour on.
        while (await reader.ReadLineAsync(cancel.Token) is { } line && !line.Contains("log streaming service", StringComparison.Ordinal))
        {
        }

        gateway.Clock.Advance(TimeSpan.FromMinutes(11));
        var rest = await reader.ReadToEndAsync(cancel.Token);
        Assert.DoesNotContain("Disconnecting after 60 minutes", rest, StringComparison.Ordinal);
    }
}

/// <summary>
/// A browser on the dashboard: keeps the cookies the gateway sets and sends them back by their rules (path, expiry), and
/// sends no Authorization header of its own; paths are resolved against the page, as the page's relative links are.
/// </summary>
internal sealed class Browser : IDisposable
{
    private static readonly Uri Page = new("/dashboard/", UriKind.Relative);

    private readonly CookieContainer _cookies = new();
    private readonly HttpClient _client;

    public Browser(GatewayFixture gateway, bool followRedirects = false)
    {
        _client = new HttpClient(new SocketsHttpHandler { CookieContainer = _cookies, UseCookies = true, AllowAutoRedirect = followRedirects })
        {
            BaseAddress = gateway.Http.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The dashboard's cookie as the browser holds it (expired ones included), or null.</summary>
    public Cookie? DashboardCookie => _cookies.GetAllCookies().SingleOrDefault();

    /// <summary>
    /// Opens the dashboard with a token: in the query, as an administrator types <c>/dashboard?access_token=...</c> (the
    /// browser follows the bare path's redirect to the page), or in the Authorization header.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Body, string[] SetCookies)> OpenAsync(string token, string tokenIn)
    {
        HttpResponseMessage response;
        var setCookies = new List<string>();
        if (tokenIn == "query")
        {
            response = await _client.GetAsync(new Uri("/dashboard?access_token=" + Uri.EscapeDataString(token), UriKind.Relative));

            // The bare path (as the page) sets the cookie and sends the browser on to the page without the token (303). A
            // token the clock skew still admits after its expiry gets no cookie: the bare path sends it on to the page with
            // its query (301), and the page is shown.
            while (response.StatusCode is HttpStatusCode.SeeOther or HttpStatusCode.MovedPermanently)
            {
                using var redirect = response;
                setCookies.AddRange(SetCookies(redirect));
                if (redirect.StatusCode == HttpStatusCode.SeeOther)
                {
                    Assert.DoesNotContain("access_token", redirect.Headers.Location!.OriginalString, StringComparison.OrdinalIgnoreCase);
                }

                response = await _client.GetAsync(redirect.Headers.Location);
            }
        }
        else
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Page);
            request.Headers.Authorization = new("Bearer", token);
            response = await _client.SendAsync(request);
        }

        using (response)
        {
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), [.. setCookies, .. SetCookies(response)]);
        }
    }

    /// <summary>
    /// A request as the address bar sends it: a path from the root, or one relative to the page; the answer is the
    /// caller's to read and dispose.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(string url) =>
        _client.GetAsync(new Uri(new Uri(_client.BaseAddress!, Page), url));

    /// <summary>A path relative to the page (<c>./index.min.js</c>, <c>DashboardCounters</c>), with no token unless given.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string relative, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(_client.BaseAddress!, Page), relative));
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A stream under the page (the log stream), its headers read and its body left to the caller.</summary>
    public Task<HttpResponseMessage> OpenStreamAsync(string relative, CancellationToken cancellationToken) =>
        _client.GetAsync(new Uri(new Uri(_client.BaseAddress!, Page), relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    public void Dispose() => _client.Dispose();

    public static string[] SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];
}
