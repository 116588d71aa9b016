using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
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
        var (settings, storage) = await PrepareQpSiloAsync(builder.Configuration, cancellationToken);

        builder.AddQpTelemetry("qpactors-silo", settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo => silo.AddQpSilo(settings, storage));
    }

    /// <summary>
    /// Prepares a host to run a silo: reads the settings and migrates the schema before Orleans starts,
    /// so the AdoNet providers always find their queries; with <c>Storage:Migrations=check</c> it only checks, and
    /// refuses to start on a store that lacks a version this build needs (<see cref="RequireSchemaAsync"/>). A host that
    /// runs a silo beside other work (the co-hosted gateway) calls this, then <see cref="AddQpSilo"/> inside its own
    /// <c>UseOrleans</c>.
    /// </summary>
    public static async Task<(QpHostSettings Settings, StorageSettings Storage)> PrepareQpSiloAsync(IConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = QpHostSettings.From(configuration, Directory.GetCurrentDirectory());
        var storage = settings.ToStorageSettings();
        try
        {
            if (settings.MigrateAtStart)
            {
                await SchemaMigrator.ApplyAsync(storage, cancellationToken);
            }
            else
            {
                await RequireSchemaAsync(storage, cancellationToken);
            }
        }
        catch (Exception failure) when (failure is System.Data.Common.DbException || StoreFailures.MayPassOnRetry(failure))
        {
            throw StoreUnreachable(settings, storage, failure, settings.MigrateAtStart ? "migrated" : "checked");
        }

        return (settings, storage);
    }

    /// <summary>
    /// Starts a host that runs a silo (<see cref="AddQpSilo"/>), refusing with <see cref="StoreUnreachableAtStartException"/>
    /// when the store fails Orleans' own first reads: the AdoNet providers (reminders, and clustering on PostgreSQL) read
    /// their query table while the silo starts, after the schema step has passed, and a store that cannot answer then (a
    /// SQLite file another process held locked past the busy timeout, a server that went down in between) failed the start
    /// with the driver's exception and its stack. A file busy for less than the busy timeout is waited out by the driver
    /// and the silo starts. Any other failure to start is rethrown as it is.
    /// </summary>
    public static async Task StartQpSiloAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception failure) when (host.Services.GetService<SiloStore>() is { } store && StoreFailureIn(failure) is { } cause)
        {
            throw StoreUnreachable(store.Settings, store.Storage, cause, "read");
        }
    }

    /// <summary>The store's own failure somewhere inside what Orleans' start threw (through its wrappers); null if none.</summary>
    private static Exception? StoreFailureIn(Exception failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException or JournalUnavailableException or StoreFailedException || StoreFailures.MayPassOnRetry(e))
            {
                return e;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } many)
            {
                return many.InnerExceptions.Select(StoreFailureIn).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }

    /// <summary>The store a silo runs on, as a refusal to start names it.</summary>
    private sealed record SiloStore(QpHostSettings Settings, StorageSettings Storage);

    /// <summary>
    /// The refusal to start when the store cannot be reached or refuses the schema's first read at start: the first
    /// thing a silo does is migrate (or check) the schema, so a wrong connection string or a server that is down ended
    /// the process with an unhandled driver exception and its stack. The message names the store (never a password) and
    /// the setting to check; the driver's exception is kept inside.
    /// </summary>
    internal static StoreUnreachableAtStartException StoreUnreachable(QpHostSettings settings, StorageSettings storage, Exception failure, string done)
    {
        var setting = settings.Storage == StorageMode.Postgres ? "Storage:ConnectionString" : "Storage:DataDirectory";
        // A SQLite file another process held locked past the busy timeout: the wait already happened, so say so.
        var busy = failure is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED }
            ? $", and that no other process holds the file locked (the silo waited {StorageSettings.SqliteBusyTimeoutSeconds} s for it)"
            : "";
        return new StoreUnreachableAtStartException(
            $"The silo cannot start: {storage.Describe()}, named by {setting}, could not be " +
            $"{done} at start: {failure.Message.TrimEnd('.')}. Check {setting} and that the store is up and accepting " +
            $"connections{busy}, then start the silo again.",
            failure);
    }

    /// <summary>The command that brings a store up to date, as the refusal to start names it.</summary>
    public const string MigrateCommand = "./qp migrate";

    /// <summary>
    /// Refuses (a <see cref="SchemaBehindException"/> that stops the host) a store lacking any schema version this
    /// build carries, naming the versions and the command to run; changes nothing. A store at a version beyond this
    /// build's is accepted: a newer build migrated it, and scripts only add, so an older silo keeps working while the
    /// silos are upgraded one by one.
    /// </summary>
    public static async Task RequireSchemaAsync(StorageSettings storage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var status = await SchemaMigrator.CheckAsync(storage, cancellationToken);
        if (!status.IsCurrent)
        {
            var missing = string.Join(", ", status.Missing.Select(m => $"{m.Version:D4}_{m.Name}"));
            throw new SchemaBehindException(
                $"The store lacks schema version(s) {missing} that this silo needs, and Storage:Migrations=check does not " +
                $"migrate at start. Run '{MigrateCommand}' (or 'dotnet QpActors.Silo.dll migrate') with the same Storage " +
                "settings, then start the silo again.");
        }
    }

    /// <summary>
    /// <c>./qp migrate</c>: brings the store the configuration names up to date and writes what it applied (or that
    /// there was nothing to apply, and any versions the store holds beyond this build's) to <paramref name="output"/>.
    /// </summary>
    public static async Task<IReadOnlyList<SchemaMigration>> MigrateAsync(IConfiguration configuration, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        var settings = QpHostSettings.From(configuration, Directory.GetCurrentDirectory());
        var storage = settings.ToStorageSettings();
        await output.WriteLineAsync($"qp migrate: {storage.Describe()}");
        var applied = await SchemaMigrator.ApplyAsync(storage, cancellationToken);
        foreach (var migration in applied)
        {
            await output.WriteLineAsync($"applied {migration.Version:D4}_{migration.Name}");
        }

        var status = await SchemaMigrator.CheckAsync(storage, cancellationToken);
        if (applied.Count == 0)
        {
            await output.WriteLineAsync("nothing to apply: the store already holds every version this build carries");
        }

        foreach (var newer in status.Unknown)
        {
            await output.WriteLineAsync($"the store also holds {newer.Version:D4}_{newer.Name}, from a newer build");
        }

        return applied;
    }

    /// <summary>
    /// A full silo from the settings: clustering (a membership-table member on PostgreSQL, the single
    /// localhost silo on SQLite), the grains' services, the dashboard's silo half and the deadline sweep.
    /// The schema must already be migrated.
    /// </summary>
    public static ISiloBuilder AddQpSilo(this ISiloBuilder silo, QpHostSettings settings, StorageSettings storage)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(storage);
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

        silo.Services.AddSingleton(settings.Calendar);
        silo.Services.AddSingleton(new SiloStore(settings, storage));
        silo.AddQpGrainServices(storage);

        // The directory's cache without Orleans' size gauge, which walks every entry each time it is read (see GrainLocationCache).
        silo.UseGrainLocationCache();

        // Trace context crosses grain calls only when traces are recorded: the propagation filters sit on
        // every grain call (an extra awaited step and its allocations each way), for nothing without traces.
        if (settings.Tracing)
        {
            silo.AddActivityPropagation();
        }

        if (settings.Dashboard)
        {
            // Every refresh asks the runtime for its statistics, which counts every activation on the
            // silo; once every 5 s instead of every second keeps that off a busy silo's back.
            silo.AddDashboard(o => o.CounterUpdateIntervalMs = 5_000);
            if (!settings.DashboardProfiling)
            {
                foreach (var profiler in silo.Services.Where(IsDashboardProfiler).ToList())
                {
                    silo.Services.Remove(profiler);
                }
            }
        }

        // Review windows close on a schedule: make sure the sweep's reminder exists after every start, without holding
        // the start up for it (a reminder table that cannot answer at that moment is retried, see DeadlineSweepStart).
        silo.Services.AddDeadlineSweepStart();
        return silo;
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
        silo.Services.TellStoreFailuresOf(GrainStorageName);

        // Grain state is written as plain System.Text.Json, not Newtonsoft with CLR type names,
        // so renaming a C# type never makes stored state unreadable.
        silo.UseSystemTextJsonGrainStorageSerializer();

        // Reminders keep the review-deadline sweep alive across restarts (see docs/architecture.md).
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = storage.AdoInvariant;
            o.ConnectionString = storage.ConnectionString;
        });
        silo.Services.TellReminderTableFailures();

        // How often each silo re-reads its share of the reminder table (one row here, the sweep's). Orleans' default is
        // 5 minutes, and it is also how long a reminder service whose first loads failed (the table locked or the server
        // away as the silo started) waits before it tries again: until then no reminder fires and none can be registered.
        silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.RefreshReminderListPeriod = TimeSpan.FromMinutes(1));

        silo.Services.AddSerializer(s => s.AddQpSerialization());
        silo.Services.AddSingleton(timeProvider is null ? GrainClock.System : new GrainClock(timeProvider));
        silo.Services.AddSingleton(storage);
        silo.Services.AddQpGrainDependencies(storage);
        return silo;
    }

    /// <summary>
    /// Puts <see cref="StoreFailureGrainStorage"/> around the grain storage registered under <paramref name="name"/>, so
    /// no driver exception leaves a grain through Orleans' grain state. The provider's own registration is kept and
    /// called; the lifecycle registration Orleans made for it resolves the storage by name, so it reaches the wrapper,
    /// which passes it on.
    /// </summary>
    public static IServiceCollection TellStoreFailuresOf(this IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        var provider = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name))
            ?? throw new InvalidOperationException($"No grain storage named '{name}' is registered.");
        var create = provider.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"The grain storage named '{name}' is not registered with a factory.");
        services.Remove(provider);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new StoreFailureGrainStorage((IGrainStorage)create(sp, key)));
        return services;
    }

    /// <summary>
    /// Puts <see cref="StoreFailureReminderTable"/> around the registered reminder table, so its failures cross from the
    /// reminder service to a grain as the store's other failures do, each naming the table and the store (the
    /// <see cref="StorageSettings"/> the silo registers).
    /// </summary>
    public static IServiceCollection TellReminderTableFailures(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var table = services.LastOrDefault(d => d.ServiceType == typeof(IReminderTable) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("No reminder table is registered.");
        services.Remove(table);
        services.AddSingleton<IReminderTable>(sp => new StoreFailureReminderTable(
            table switch
            {
                { ImplementationInstance: IReminderTable instance } => instance,
                { ImplementationFactory: { } create } => (IReminderTable)create(sp),
                { ImplementationType: { } type } => (IReminderTable)ActivatorUtilities.CreateInstance(sp, type),
                _ => throw new InvalidOperationException("The reminder table's registration names no way to make it."),
            },
            sp.GetRequiredService<StorageSettings>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StoreFailureReminderTable>>()));
        return services;
    }

    public static StorageSettings ToStorageSettings(this QpHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Storage == StorageMode.Postgres
            ? new StorageSettings(StorageKind.Postgres, settings.ConnectionString)
            : StorageSettings.Embedded(settings.DataDirectory);
    }

    /// <summary>
    /// The dashboard's per-method profiler, an incoming call filter it registers unconditionally. With any
    /// incoming filter, every grain call goes through Orleans' filter chain (an extra awaited step and its
    /// allocations); without one, Orleans invokes the grain method directly. The type is internal to the
    /// dashboard, so it is recognised by name; a test pins that the removal finds it.
    /// </summary>
    public static bool IsDashboardProfiler(ServiceDescriptor service) =>
        service.ServiceType == typeof(IIncomingGrainCallFilter) &&
        service.ImplementationType?.FullName == "Orleans.Dashboard.Implementation.GrainProfilerFilter";
}

/// <summary>
/// A silo set to check its schema (<c>Storage:Migrations=check</c>) found the store lacking a version it needs; the
/// message names the versions and the command to run. The hosts print it and exit with status 1, without a stack trace:
/// it is an operator's next step, not a fault.
/// </summary>
public sealed class SchemaBehindException : SiloStartRefusedException
{
    public SchemaBehindException()
    {
    }

    public SchemaBehindException(string message)
        : base(message)
    {
    }

    public SchemaBehindException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A silo refuses to start for a reason an operator acts on (the schema behind, the store out of reach): the hosts print
/// the message and exit with status 1, without a stack trace.
/// </summary>
public abstract class SiloStartRefusedException : InvalidOperationException
{
    protected SiloStartRefusedException()
    {
    }

    protected SiloStartRefusedException(string message)
        : base(message)
    {
    }

    protected SiloStartRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The store the settings name could not be reached (or refused the schema's first statements) at start.</summary>
public sealed class StoreUnreachableAtStartException : SiloStartRefusedException
{
    public StoreUnreachableAtStartException()
    {
    }

    public StoreUnreachableAtStartException(string message)
        : base(message)
    {
    }

    public StoreUnreachableAtStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
