using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using QpActors.Silo;

namespace QpActors.Persistence.Tests;

/// <summary>Builds silo hosts the way the system does: AdoNet storage on our scripts, plain-JSON state.</summary>
public static class OrleansHosts
{
    public const string StorageName = "qp";

    /// <summary>
    /// A silo host on <paramref name="settings"/>. PostgreSQL hosts use AdoNet clustering,
    /// SQLite hosts localhost clustering (embedded mode has one silo).
    /// </summary>
    public static async Task<IHost> StartSiloAsync(StorageSettings settings, string clusterId, bool reminders)
    {
        var siloPort = LoopbackPorts.Free();
        var gatewayPort = LoopbackPorts.Free();
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo =>
            {
                if (settings.Kind == StorageKind.Postgres)
                {
                    silo.UseAdoNetClustering(o =>
                    {
                        o.Invariant = settings.AdoInvariant;
                        o.ConnectionString = settings.ConnectionString;
                    });
                    silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
                    silo.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = clusterId;
                        o.ServiceId = "qp-tests";
                    });
                }
                else
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "qp-tests", clusterId: clusterId);
                }

                silo.AddAdoNetGrainStorage(StorageName, o =>
                {
                    o.Invariant = settings.AdoInvariant;
                    o.ConnectionString = settings.ConnectionString;
                });
                silo.UseSystemTextJsonGrainStorageSerializer();
                silo.UseGrainLocationCache();
                if (reminders)
                {
                    silo.UseAdoNetReminderService(o =>
                    {
                        o.Invariant = settings.AdoInvariant;
                        o.ConnectionString = settings.ConnectionString;
                    });
                }
            })
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// A separate client, as the gateway process runs one: it finds the silos' gateways
    /// through the AdoNet membership table (GatewaysQueryKey).
    /// </summary>
    public static async Task<IHost> StartClientAsync(StorageSettings settings, string clusterId)
    {
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(client =>
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = settings.AdoInvariant;
                    o.ConnectionString = settings.ConnectionString;
                });
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = "qp-tests";
                });
            })
            .Build();
        await host.StartAsync();
        return host;
    }

    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IGrainFactory>();

    public static async Task StopAndDisposeAsync(this IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }
}
