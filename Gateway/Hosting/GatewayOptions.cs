namespace QpActors.Gateway.Hosting;

/// <summary>Where the gateway listens. HTTP/1.1 (JSON, metrics, dashboard) and plaintext HTTP/2 (gRPC) need two ports.</summary>
public sealed class GatewayOptions
{
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int HttpPort { get; set; } = 5080;

    public int GrpcPort { get; set; } = 5081;
}
