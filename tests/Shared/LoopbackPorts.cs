using System.Net;
using System.Net.Sockets;

namespace QpActors.Tests.Shared;

/// <summary>
/// Ports for test hosts to listen on, on the loopback interface. A port the system picks (listening on port 0) comes
/// from its ephemeral range, the same range it picks from for every outgoing connection; between the moment the port is
/// handed over and the moment a host binds it, a database or cluster connection made meanwhile can take it, and the host
/// then fails to bind ("address already in use"). So the ports here are drawn below that range, where the system never
/// places an outgoing connection, are checked free by binding them, and are never handed out twice in one test run.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 20_000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];

    public static int Free()
    {
        var below = EphemeralRangeStart();
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, below);
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {below}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux says where its ephemeral range starts; elsewhere the IANA range's start (49152) is as safe.
    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], out var start) && start > Lowest + 1_000
            ? start
            : 32_768;
    }
}
