using Microsoft.Extensions.Configuration;
using QpActors.Domain;

namespace QpActors.Hosting;

/// <summary>Which store holds grain state, events and (in PostgreSQL mode) cluster membership.</summary>
public enum StorageMode
{
    /// <summary>A SQLite file under the data directory: one silo, nothing to install.</summary>
    Sqlite,

    /// <summary>PostgreSQL through Npgsql: state, membership and reminders, so several silos form one cluster.</summary>
    Postgres,
}

/// <summary>
/// The settings both hosts read from configuration (appsettings, environment variables such as
/// <c>Storage__Provider=postgres</c>, or the command line such as <c>--Storage:Provider=postgres</c>).
/// </summary>
public sealed record QpHostSettings
{
    public StorageMode Storage { get; init; } = StorageMode.Sqlite;

    /// <summary>PostgreSQL connection string (PostgreSQL mode only).</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>Where the embedded mode keeps its SQLite file and the development signing key.</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>
    /// <c>Storage:Migrations</c>: <c>apply</c> (the default) brings the schema up to date when a silo starts, so the first
    /// run needs nothing; <c>check</c> leaves the schema alone and refuses to start on a store that lacks a version this
    /// build needs, for deployments that migrate as a deliberate step (<c>./qp migrate</c>) before rolling silos out.
    /// </summary>
    public bool MigrateAtStart { get; init; } = true;

    public string ClusterId { get; init; } = "qpactors";

    public string ServiceId { get; init; } = "qpactors";

    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    public string AdvertisedAddress { get; init; } = "127.0.0.1";

    /// <summary>OTLP collector endpoint; empty means no OTLP export.</summary>
    public string OtlpEndpoint { get; init; } = "";

    /// <summary>Record traces even with no OTLP endpoint (for in-process listeners such as tests).</summary>
    public bool TraceWithoutExporter { get; init; }

    /// <summary>Whether traces are recorded: only when they have somewhere to go, or a listener asked for them.</summary>
    public bool Tracing => !string.IsNullOrWhiteSpace(OtlpEndpoint) || TraceWithoutExporter;

    /// <summary>Serve the Orleans dashboard's data from the silo.</summary>
    public bool Dashboard { get; init; } = true;

    /// <summary>
    /// Time every grain call for the dashboard's per-method view. Off by default: its call filter sits on every
    /// grain call, including the three of each contact event, and costs ingest throughput whether or not
    /// anyone is looking (docs/benchmarks.md). Turn it on to investigate; the rest of the dashboard works without.
    /// </summary>
    public bool DashboardProfiling { get; init; }

    /// <summary>
    /// <c>Programme:TimeZone</c>: the time zone whose dates are the programme's calendar days (and so its months,
    /// quarters and reporting years) everywhere: review windows, risk look-backs, tallies and figures.
    /// </summary>
    public ProgrammeCalendar Calendar { get; init; } = ProgrammeCalendar.QueensPark;

    public static QpHostSettings From(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var storage = configuration.GetSection("Storage");
        var cluster = configuration.GetSection("Cluster");
        var provider = storage["Provider"] ?? "sqlite";
        var mode = provider.Trim().ToLowerInvariant() switch
        {
            "sqlite" or "" => StorageMode.Sqlite,
            "postgres" or "postgresql" or "npgsql" => StorageMode.Postgres,
            _ => throw new InvalidOperationException($"Storage:Provider must be 'sqlite' or 'postgres', not '{provider}'."),
        };
        var connectionString = storage["ConnectionString"] ?? "";
        if (mode == StorageMode.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is 'postgres'.");
        }

        var migrations = storage["Migrations"] ?? "apply";
        var migrateAtStart = migrations.Trim().ToLowerInvariant() switch
        {
            "apply" or "" => true,
            "check" => false,
            _ => throw new InvalidOperationException($"Storage:Migrations must be 'apply' or 'check', not '{migrations}'."),
        };

        var dataDirectory = storage["DataDirectory"] is { Length: > 0 } dir ? dir : "data";
        if (!Path.IsPathRooted(dataDirectory))
        {
            dataDirectory = Path.GetFullPath(Path.Combine(contentRoot, dataDirectory));
        }

        return new QpHostSettings
        {
            Calendar = ReadCalendar(configuration["Programme:TimeZone"]),
            Storage = mode,
            ConnectionString = connectionString,
            MigrateAtStart = migrateAtStart,
            DataDirectory = dataDirectory,
            ClusterId = cluster["ClusterId"] is { Length: > 0 } clusterId ? clusterId : "qpactors",
            ServiceId = cluster["ServiceId"] is { Length: > 0 } serviceId ? serviceId : "qpactors",
            SiloPort = cluster.GetValue("SiloPort", 11111),
            GatewayPort = cluster.GetValue("GatewayPort", 30000),
            AdvertisedAddress = cluster["AdvertisedAddress"] is { Length: > 0 } address ? address : "127.0.0.1",
            OtlpEndpoint = configuration["Telemetry:OtlpEndpoint"] ?? "",
            TraceWithoutExporter = configuration.GetValue("Telemetry:TraceWithoutExporter", false),
            Dashboard = configuration.GetValue("Silo:Dashboard", true),
            DashboardProfiling = configuration.GetValue("Silo:DashboardProfiling", false),
        };
    }

    // Read at start by both hosts, so a misspelt zone stops the process there rather than moving every day boundary.
    private static ProgrammeCalendar ReadCalendar(string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return ProgrammeCalendar.QueensPark;
        }

        try
        {
            return ProgrammeCalendar.ForTimeZone(timeZone);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException("Programme:TimeZone: " + ex.Message, ex);
        }
    }
}
