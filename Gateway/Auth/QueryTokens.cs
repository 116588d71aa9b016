using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace QpActors.Gateway.Auth;

/// <summary>
/// Keeps a bearer token sent as <c>access_token</c> in a query string out of everything that writes query strings down.
/// Browsers' EventSource cannot send headers, so the live streams and the dashboard take the token there; but the hosting
/// layer logs every request's query at Information ("Request starting", "Request finished"), trace instrumentation records
/// it as <c>url.query</c> (OpenTelemetry redacts values by default, a setting away from not doing so), and anything in the
/// pipeline that logs or echoes a URL sees it too. So the server hands each request on with the token's value already
/// replaced by <see cref="Redacted"/>, before the hosting layer logs or traces it, and the value itself only in a feature
/// (<see cref="QueryAccessToken"/>) that the bearer handler reads (<see cref="AuthSetup"/>). Nothing downstream can write
/// what it never sees.
/// </summary>
public static class QueryTokens
{
    /// <summary>The query parameter browsers send their token in.</summary>
    public const string Parameter = "access_token";

    /// <summary>What the query says in place of the token.</summary>
    public const string Redacted = "Redacted";

    /// <summary>
    /// Puts the server behind <see cref="RedactingServer"/>: the server the host registered is built as before (as a keyed
    /// service) and every request it hands the application passes through <see cref="Redact"/> first.
    /// </summary>
    public static IServiceCollection AddQueryTokenRedaction(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var server = services.LastOrDefault(d => d.ServiceType == typeof(IServer) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("No web server is registered to put the query-token redaction in front of.");
        services.Remove(server);
        services.Add(server.ImplementationType is { } type
            ? ServiceDescriptor.KeyedSingleton(typeof(IServer), typeof(RedactingServer), type)
            : server.ImplementationFactory is { } create
                ? ServiceDescriptor.KeyedSingleton(typeof(IServer), typeof(RedactingServer), (sp, _) => create(sp))
                : ServiceDescriptor.KeyedSingleton(typeof(IServer), typeof(RedactingServer), server.ImplementationInstance!));
        services.AddSingleton<IServer>(sp => new RedactingServer(sp.GetRequiredKeyedService<IServer>(typeof(RedactingServer))));
        return services;
    }

    /// <summary>
    /// Replaces the value of every <c>access_token</c> parameter in the request's query (and raw target) with
    /// <see cref="Redacted"/>, keeping the values and the query as sent in a <see cref="QueryAccessToken"/> feature. Names
    /// are matched as the query parser reads them (decoded, in any case), so no spelling the bearer handler would take
    /// slips through. A request without such a parameter is left as it is, and costs a scan of its query at most.
    /// </summary>
    public static void Redact(IFeatureCollection features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Get<IHttpRequestFeature>() is not { } request || request.QueryString is not { Length: > 1 } query ||
            !MayName(query) || !TryRedact(query, out var redacted, out var tokens))
        {
            return;
        }

        features.Set(new QueryAccessToken(tokens, new QueryString(query)));
        request.QueryString = redacted;
        var rawQuery = request.RawTarget.IndexOf('?', StringComparison.Ordinal);
        if (rawQuery >= 0)
        {
            request.RawTarget = request.RawTarget[..rawQuery] + redacted;
        }
    }

    /// <summary>
    /// The query without its <c>access_token</c> parameters (named as <see cref="Redact"/> names them), every other
    /// parameter as sent and in its place: where the dashboard sends a browser once its cookie carries it instead.
    /// </summary>
    public static QueryString WithoutToken(QueryString query)
    {
        if (query.Value is not { Length: > 1 } sent || !MayName(sent))
        {
            return query;
        }

        var kept = sent[1..].Split('&').Where(pair => pair.Length > 0 && !IsTokenName(pair.AsSpan(0, pair.IndexOf('=') is >= 0 and var equals ? equals : pair.Length))).ToArray();
        return kept.Length == 0 ? QueryString.Empty : new QueryString("?" + string.Join('&', kept));
    }

    /// <summary>Whether a parameter in the query could be read as <c>access_token</c>: named outright, or percent-encoded.</summary>
    private static bool MayName(string query) =>
        query.Contains(Parameter, StringComparison.OrdinalIgnoreCase) || query.Contains('%', StringComparison.Ordinal);

    private static bool TryRedact(string query, out string redacted, out StringValues tokens)
    {
        StringBuilder? written = null;
        tokens = StringValues.Empty;
        var start = 1; // after '?'
        while (start <= query.Length)
        {
            var end = query.IndexOf('&', start);
            if (end < 0)
            {
                end = query.Length;
            }

            var pair = query.AsSpan(start, end - start);
            var equals = pair.IndexOf('=');
            var name = equals < 0 ? pair : pair[..equals];
            if (IsTokenName(name))
            {
                written ??= new StringBuilder(query.Length).Append(query, 0, start);
                written.Append(name).Append('=').Append(Redacted);
                tokens = StringValues.Concat(tokens, equals < 0 ? "" : Decode(pair[(equals + 1)..]));
            }
            else
            {
                written?.Append(pair);
            }

            if (end < query.Length)
            {
                written?.Append('&');
            }

            start = end + 1;
        }

        redacted = written?.ToString() ?? query;
        return written is not null;
    }

    private static bool IsTokenName(ReadOnlySpan<char> name) =>
        name.Equals(Parameter, StringComparison.OrdinalIgnoreCase) ||
        (name.Contains('%') && Decode(name).Equals(Parameter, StringComparison.OrdinalIgnoreCase));

    // As the query parser decodes: '+' is a space, then percent-escapes.
    private static string Decode(ReadOnlySpan<char> encoded) => Uri.UnescapeDataString(encoded.ToString().Replace('+', ' '));
}

/// <summary>
/// The <c>access_token</c> value(s) a request's query carried before <see cref="QueryTokens.Redact"/> replaced them, and
/// the query as it was sent (for the one answer that must hand it back: the dashboard's redirect to its own page).
/// </summary>
public sealed class QueryAccessToken(StringValues tokens, QueryString original)
{
    public StringValues Tokens { get; } = tokens;

    public QueryString Original { get; } = original;
}

/// <summary>The host's server, handing every request to the application only once its query token is redacted.</summary>
internal sealed class RedactingServer(IServer inner) : IServer
{
    public IFeatureCollection Features => inner.Features;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull =>
        inner.StartAsync(new Application<TContext>(application), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    // The inner server is the container's to dispose (it built it).
    public void Dispose()
    {
    }

    private sealed class Application<TContext>(IHttpApplication<TContext> inner) : IHttpApplication<TContext>
        where TContext : notnull
    {
        public TContext CreateContext(IFeatureCollection contextFeatures)
        {
            // Before the hosting layer's context: that is where the request is logged and its activity started.
            QueryTokens.Redact(contextFeatures);
            return inner.CreateContext(contextFeatures);
        }

        public Task ProcessRequestAsync(TContext context) => inner.ProcessRequestAsync(context);

        public void DisposeContext(TContext context, Exception? exception) => inner.DisposeContext(context, exception);
    }
}
