using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QpActors.Gateway.Hosting;
using QpActors.Silo;
using QpActors.Tests.Shared;

namespace QpActors.Gateway.Tests;

/// <summary>A gateway started before any silo is live at once and turns ready only when the cluster answers.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_turns_200_only_after_the_gateway_reaches_a_silo()
    {
        var data = Directory.CreateTempSubdirectory("qp-ready-tests-").FullName;
        var (siloPort, clusterGateway, httpPort, grpcPort) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
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
        var listening = ListeningSignal.Replace(gatewayBuilder.Services);
        await using var gateway = gatewayBuilder.Build();
        gateway.MapQpGateway();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        IHost? silo = null;
        var starting = gateway.StartAsync();
        try
        {
            // Live as soon as Kestrel listens, while the Orleans client is still looking for a silo; not ready.
            await listening.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(starting.IsCompleted, "the gateway started without a silo");
            Assert.Equal(HttpStatusCode.OK, await TryGetAsync(http, "/health/live"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await TryGetAsync(http, "/health/ready"));

            var siloBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = shared, ContentRootPath = data });
            await siloBuilder.AddQpSiloAsync();
            silo = siloBuilder.Build();
            await silo.StartAsync();

            // The host's own signal: it has started once its Orleans client has connected to the silo.
            await starting.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.OK, await TryGetAsync(http, "/health/ready"));
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

    /// <summary>
    /// The gateway's server as registered, completing a task once it has bound its ports: the moment the gateway is
    /// live, which no hosting event marks while other services (the Orleans client) are still starting.
    /// </summary>
    private sealed class ListeningSignal(IServer server, TaskCompletionSource listening) : IServer
    {
        public IFeatureCollection Features => server.Features;

        public static Task Replace(IServiceCollection services)
        {
            var registered = services.Last(d => d.ServiceType == typeof(IServer));
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            services.Remove(registered);
            services.AddSingleton<IServer>(provider => new ListeningSignal(
                (IServer)(registered.ImplementationInstance
                    ?? registered.ImplementationFactory?.Invoke(provider)
                    ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!)),
                listening));
            return listening.Task;
        }

        public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            await server.StartAsync(application, cancellationToken);
            listening.TrySetResult();
        }

        public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

        public void Dispose() => server.Dispose();
    }
}
