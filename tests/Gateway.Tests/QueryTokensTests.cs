using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Tests;

/// <summary>
/// How a request's query is redacted before anything logs it: every parameter the query parser would read as
/// <c>access_token</c> (in any case, or percent-encoded, which an HTTP client's URI class would have decoded before
/// sending, so the end-to-end test cannot send it), and nothing else.
/// </summary>
public sealed class QueryTokensTests
{
    [Theory]
    [InlineData("?access_token=abc.def.ghi", "?access_token=Redacted", "abc.def.ghi")]
    [InlineData("?ward=w-1&Access_Token=abc&x=1", "?ward=w-1&Access_Token=Redacted&x=1", "abc")]
    [InlineData("?access%5Ftoken=abc&", "?access%5Ftoken=Redacted&", "abc")]
    [InlineData("?%61ccess_token=a%2Bb+c", "?%61ccess_token=Redacted", "a+b c")]
    [InlineData("?access_token=one&access_token=two", "?access_token=Redacted&access_token=Redacted", "one,two")]
    [InlineData("?access_token", "?access_token=Redacted", "")]
    public void Every_reading_of_the_parameter_is_redacted_and_its_value_kept_aside(string query, string redacted, string tokens)
    {
        var features = Request(query, "/v1/stream/risk" + query);

        QueryTokens.Redact(features);

        var request = features.Get<IHttpRequestFeature>()!;
        Assert.Equal(redacted, request.QueryString);
        Assert.Equal("/v1/stream/risk" + redacted, request.RawTarget);
        var kept = features.Get<QueryAccessToken>();
        Assert.NotNull(kept);
        Assert.Equal(tokens, kept.Tokens.ToString());
        Assert.Equal(query, kept.Original.Value);

        // What the query parser now reads in its place.
        Assert.All(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.QueryString))
            .Where(p => p.Key.Equals("access_token", StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Value), v => Assert.Equal(QueryTokens.Redacted, v));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?")]
    [InlineData("?ward=w-1&page=2")]
    [InlineData("?token=abc&access_tokens=x&my_access_token=y")]
    [InlineData("?from=2026-11-28T10%3A00%3A00Z")]
    public void A_query_without_the_parameter_is_left_as_it_was_and_costs_no_allocation(string query)
    {
        var features = Request(query, "/v1/audit" + query);
        QueryTokens.Redact(features);

        // Every request passes through here, the risk read's thousands a second among them.
        var before = GC.GetAllocatedBytesForCurrentThread();
        QueryTokens.Redact(features);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        Assert.Equal(query, features.Get<IHttpRequestFeature>()!.QueryString);
        Assert.Equal("/v1/audit" + query, features.Get<IHttpRequestFeature>()!.RawTarget);
        Assert.Null(features.Get<QueryAccessToken>());
    }

    private static FeatureCollection Request(string query, string rawTarget)
    {
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature { Path = "/v1/stream/risk", QueryString = query, RawTarget = rawTarget });
        return features;
    }
}
