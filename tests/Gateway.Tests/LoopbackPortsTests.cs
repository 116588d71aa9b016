using System.Net;
using System.Net.Sockets;
using QpActors.Tests.Shared;

namespace QpActors.Gateway.Tests;

/// <summary>The test hosts' ports stay clear of the ports the system gives outgoing connections, and are never reused.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void Ports_are_below_the_ephemeral_range_distinct_and_free()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0],
            System.Globalization.CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 50).Select(_ => LoopbackPorts.Free()).ToArray();

        Assert.All(ports, p => Assert.True(p < ephemeralStart, $"port {p} is in the ephemeral range starting at {ephemeralStart}"));
        Assert.Equal(ports.Length, ports.Distinct().Count());
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }
}
