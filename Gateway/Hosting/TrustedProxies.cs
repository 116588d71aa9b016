using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace QpActors.Gateway.Hosting;

/// <summary>
/// The proxies in front of the gateway whose word it takes on what the client sent: behind a proxy that terminates TLS the
/// gateway sees plain HTTP from the proxy, so the scheme (<c>X-Forwarded-Proto</c>) and the client's address
/// (<c>X-Forwarded-For</c>) are the proxy's to say. Only a connection from an address configured here
/// (<c>Gateway:ForwardedHeaders:KnownProxies</c>, addresses; <c>Gateway:ForwardedHeaders:KnownNetworks</c>, CIDR ranges)
/// is believed, and only for the one hop it adds; none is by default, and then the headers are ignored whoever sends them
/// and nothing is added to the pipeline. <c>X-Forwarded-Host</c> is never read: every address the gateway writes is a
/// relative one.
/// </summary>
public sealed record TrustedProxies(IReadOnlyList<IPAddress> Proxies, IReadOnlyList<IPNetwork> Networks)
{
    public bool Any => Proxies.Count > 0 || Networks.Count > 0;

    public static TrustedProxies Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Gateway:ForwardedHeaders");
        var proxies = Values(section.GetSection("KnownProxies")).Select(value => IPAddress.TryParse(value, out var address)
            ? address
            : throw new InvalidOperationException($"Gateway:ForwardedHeaders:KnownProxies: '{value}' is not an IP address.")).ToArray();
        var networks = Values(section.GetSection("KnownNetworks")).Select(value => IPNetwork.TryParse(value, out var network)
            ? network
            : throw new InvalidOperationException($"Gateway:ForwardedHeaders:KnownNetworks: '{value}' is not a network in CIDR notation (10.0.0.0/8).")).ToArray();
        return new TrustedProxies(proxies, networks);
    }

    /// <summary>
    /// The forwarded-headers middleware's options: these proxies and networks alone, not the framework's loopback. With none
    /// configured no header is read at all, even by the middleware the host adds when <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>
    /// is set (which would otherwise believe anyone: the middleware checks nobody's address when both lists are empty).
    /// </summary>
    public void Configure(ForwardedHeadersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Any)
        {
            options.ForwardedHeaders = ForwardedHeaders.None;
            return;
        }

        options.ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedFor;

        // The framework trusts loopback unless told otherwise; here only what is configured is trusted.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in Proxies)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in Networks)
        {
            options.KnownIPNetworks.Add(network);
        }

        // One proxy's hop: an address a client wrote further left in X-Forwarded-For is not believed.
        options.ForwardLimit = 1;
    }

    // A list in configuration (KnownProxies:0=..., or one value with commas, as an environment variable carries it).
    private static IEnumerable<string> Values(IConfigurationSection section) =>
        (section.Value is { Length: > 0 } single ? [single] : section.GetChildren().Select(c => c.Value ?? ""))
        .SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
