using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Hosting;
using QpActors.Persistence;

namespace QpActors.Silo;

/// <summary>Wires a QpActors silo: schema, storage providers, clustering, telemetry and the grains' services.</summary>
public static class SiloSetup
{
    /// <summary>The grain-state provider name grains use in <c>[PersistentState(..., QpStorage.Name)]</c>.</summary>
    public const string GrainStorageName = QpStorage.Name;

    /// <summary>
    /// Configures the host as a production silo: the schema is migrated before Orleans starts, so the
    /// AdoNet providers always find their queries; then clustering, storage and services follow configuration.
    /// </summary>
    public static async Task AddQpSiloAsync(this IHostApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = QpHostSettings.From(builder.Configuration, Directory.GetCurrentDirectory());
        var storage = settings.ToStorageSettings();
        await SchemaMigrator.ApplyAsync(storage, cancellationToken);

        builder.AddQpTelemetry("qpactors-silo", settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            if (settings.Storage == StorageMode.Postgres)
            {
                silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedAddress), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = storage.AdoInvariant;
                    o.ConnectionString = storage.ConnectionString;
                });
            }
            else
            {
                // One silo on this machine: membership needs no table.
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
            }

            silo.AddQpGrainServices(storage);
            if (settings.Dashboard)
            {
                silo.AddDashboard();
            }

            // Review windows close on a schedule: make sure the sweep's reminder exists after every start.
            silo.AddStartupTask((services, _) =>
                services.GetRequiredService<IGrainFactory>().GetGrain<IDeadlineSweeperGrain>(0).StartAsync());
        });
    }

    /// <summary>
    /// Everything grains need that is independent of clustering, so the test cluster can reuse it:
    /// grain storage on our own schema, reminders, the shared event journal and the JSON codec for domain types.
    /// </summary>
    public static ISiloBuilder AddQpGrainServices(this ISiloBuilder silo, StorageSettings storage, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(storage);
        silo.AddAdoNetGrainStorage(GrainStorageName, o =>
        {
            o.Invariant = storage.AdoInvariant;
            o.ConnectionString = storage.ConnectionString;
        });

        // Grain state is written as plain System.Text.Json, not Newtonsoft with CLR type names,
        // so renaming a C# type never makes stored state unreadable.
        silo.UseSystemTextJsonGrainStorageSerializer();

        // Reminders keep the review-deadline sweep alive across restarts (see docs/architecture.md).
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = storage.AdoInvariant;
            o.ConnectionString = storage.ConnectionString;
        });

        silo.AddActivityPropagation();
        silo.Services.AddSerializer(s => s.AddQpDomainJson());
        silo.Services.AddSingleton(timeProvider is null ? GrainClock.System : new GrainClock(timeProvider));
        silo.Services.AddSingleton(storage);
        silo.Services.AddQpGrainDependencies(storage);
        return silo;
    }

    public static StorageSettings ToStorageSettings(this QpHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Storage == StorageMode.Postgres
            ? new StorageSettings(StorageKind.Postgres, settings.ConnectionString)
            : StorageSettings.Embedded(settings.DataDirectory);
    }
}
