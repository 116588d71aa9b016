using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using QpActors.Gateway.Hosting;
using QpActors.Silo;

namespace QpActors.Gateway.Tests;

/// <summary>A gateway started before any silo is live at once and turns ready only when the cluster answers.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_turns_200_only_after_the_gateway_reaches_a_silo()
    {
        var data = Directory.CreateTempSubdirectory("qp-ready-tests-").FullName;
        var (siloPort, clusterGateway, httpPort, grpcPort) = (FreePort(), FreePort(), FreePort(), FreePort());
        string[] shared =
        [
            $"--Storage:DataDirectory={data}",
            $"--Cluster:SiloPort={siloPort}",
            $"--Cluster:GatewayPort={clusterGateway}",
            "--Cluster:ClusterId=ready-tests",
            "--Cluster:ServiceId=ready-tests",
            "--Logging:LogLevel:Default=Warning",
        ];
        var gatewayBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. shared, $"--Gateway:HttpPort={httpPort}", $"--Gateway:GrpcPort={grpcPort}"],
            ContentRootPath = data,
        });
        gatewayBuilder.AddQpGateway();
        await using var gateway = gatewayBuilder.Build();
        gateway.MapQpGateway();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        IHost? silo = null;
        var starting = gateway.StartAsync();
        try
        {
            // Live while the Orleans client is still looking for a silo; not ready.
            var live = await Eventually.HoldsAsync(
                async () => await TryGetAsync(http, "/health/live") is HttpStatusCode.OK ? "live" : null,
                TimeSpan.FromSeconds(30),
                "the gateway to listen");
            Assert.Equal("live", live);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await TryGetAsync(http, "/health/ready"));

            var siloBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = shared, ContentRootPath = data });
            await siloBuilder.AddQpSiloAsync();
            silo = siloBuilder.Build();
            await silo.StartAsync();
            await starting;

            var ready = await Eventually.HoldsAsync(
                async () => await TryGetAsync(http, "/health/ready") is HttpStatusCode.OK ? "ready" : null,
                TimeSpan.FromSeconds(30),
                "the gateway to become ready");
            Assert.Equal("ready", ready);
        }
        finally
        {
            await gateway.StopAsync();
            if (silo is not null)
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }

    private static async Task<HttpStatusCode> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
