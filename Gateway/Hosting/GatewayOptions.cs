namespace QpActors.Gateway.Hosting;

/// <summary>Where the silo the gateway calls runs.</summary>
public enum SiloHosting
{
    /// <summary>Separate silo processes, reached through the Orleans gateway protocol (an Orleans client).</summary>
    External,

    /// <summary>
    /// The gateway process is itself a silo: handlers call grains in memory, with no serialisation or
    /// socket between them. On PostgreSQL it is a full cluster member; on SQLite it is the single silo.
    /// </summary>
    InProcess,
}

/// <summary>Where the gateway listens. HTTP/1.1 (JSON, metrics, dashboard) and plaintext HTTP/2 (gRPC) need two ports.</summary>
public sealed class GatewayOptions
{
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int HttpPort { get; set; } = 5080;

    public int GrpcPort { get; set; } = 5081;

    /// <summary><c>Gateway:Silo</c>: <c>external</c> (the default) or <c>in-process</c>.</summary>
    public string Silo { get; set; } = "external";

    public SiloHosting SiloHosting => Silo.Trim().ToLowerInvariant() switch
    {
        "external" or "" => SiloHosting.External,
        "in-process" or "inprocess" or "co-hosted" => SiloHosting.InProcess,
        _ => throw new InvalidOperationException($"Gateway:Silo must be 'external' or 'in-process', not '{Silo}'."),
    };
}
