using System.Net;
using Microsoft.Extensions.Configuration;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>How <c>Gateway:ForwardedHeaders:*</c> is read: lists either way configuration carries them, and a bad entry stops the start naming the setting.</summary>
public sealed class TrustedProxiesTests
{
    [Fact]
    public void Proxies_and_networks_are_read_as_indexed_lists_or_as_one_value_with_commas()
    {
        var proxies = TrustedProxies.Resolve(Settings(
            ("Gateway:ForwardedHeaders:KnownProxies:0", "10.0.0.5"),
            ("Gateway:ForwardedHeaders:KnownProxies:1", "::1"),
            ("Gateway:ForwardedHeaders:KnownNetworks", "10.1.0.0/24, 192.0.2.0/28")));

        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.IPv6Loopback], proxies.Proxies);
        Assert.Equal([System.Net.IPNetwork.Parse("10.1.0.0/24"), System.Net.IPNetwork.Parse("192.0.2.0/28")], proxies.Networks);
        Assert.True(proxies.Any);
        Assert.False(TrustedProxies.Resolve(Settings()).Any);
    }

    [Theory]
    [InlineData("KnownProxies:0", "10.0.0.300")]
    [InlineData("KnownNetworks:0", "10.0.0.0")]
    [InlineData("KnownNetworks", "10.0.0.0/8,proxy.example")]
    public void An_entry_that_is_not_an_address_or_a_network_stops_the_start_naming_the_setting(string key, string value)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => TrustedProxies.Resolve(Settings(("Gateway:ForwardedHeaders:" + key, value))));

        Assert.Contains("Gateway:ForwardedHeaders:" + key.Split(':')[0], refused.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
