using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QpActors.Persistence;
using QpActors.Silo;

namespace QpActors.Bench;

/// <summary>
/// Journal settings the silo does not read from configuration. Null leaves the production default;
/// anything set replaces the silo's journal with one built the same way but with these options.
/// </summary>
public sealed record JournalKnobs(int? Flushers = null, int? MaxBatchSize = null, int? QueueCapacity = null)
{
    public bool AnySet => Flushers is not null || MaxBatchSize is not null || QueueCapacity is not null;

    public JournalOptions Apply(JournalOptions options) => options with
    {
        PostgresFlushers = Flushers ?? options.PostgresFlushers,
        MaxBatchSize = MaxBatchSize ?? options.MaxBatchSize,
        QueueCapacity = QueueCapacity ?? options.QueueCapacity,
    };

    public static JournalKnobs From(BenchArgs args)
    {
        int? Read(string name) => args.OptionalText(name) is null ? null : Math.Max(1, args.Int(name, 1));
        return new JournalKnobs(Read("journal-flushers"), Read("journal-batch"), Read("journal-queue"));
    }
}

/// <summary>Which store a benchmark runs on, and where.</summary>
public sealed record StoreTarget(StorageKind Kind, string? DataDirectory, string? ConnectionString)
{
    public string Name => Kind == StorageKind.Postgres ? "postgres" : "sqlite";

    /// <summary>Host settings as they would be typed after <c>./qp run</c>.</summary>
    public IEnumerable<string> HostArgs() => Kind == StorageKind.Postgres
        ? ["--Storage:Provider=postgres", "--Storage:ConnectionString=" + ConnectionString, "--Storage:DataDirectory=" + DataDirectory]
        : ["--Storage:Provider=sqlite", "--Storage:DataDirectory=" + DataDirectory];
}

/// <summary>
/// A production silo (<see cref="SiloSetup.AddQpSiloAsync"/>, configuration from arguments) with its
/// co-hosted client, started inside the harness on free loopback ports.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessSilo(IHost host, TimeSpan startUp, TimedJournal? journal)
    {
        _host = host;
        StartUp = startUp;
        Journal = journal;
    }

    /// <summary>From building the host to the silo accepting calls.</summary>
    public TimeSpan StartUp { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <summary>The timing wrapper around the silo's journal, when profiling.</summary>
    public TimedJournal? Journal { get; }

    public static async Task<InProcessSilo> StartAsync(StoreTarget store, JournalKnobs knobs, bool profileJournal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(knobs);
        var clock = Stopwatch.StartNew();
        var args = store.HostArgs().Concat(
        [
            "--Cluster:SiloPort=" + FreePort(),
            "--Cluster:GatewayPort=" + FreePort(),
            "--Cluster:ClusterId=bench-" + Guid.NewGuid().ToString("N")[..8],
            // The harness prints its own tables; the silo's information logs would only interleave.
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
            "--Logging:LogLevel:Microsoft=Error",
            "--Logging:LogLevel:Orleans.Runtime.Silo=Error",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Error",
        ]).ToArray();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        await builder.AddQpSiloAsync(cancellationToken);

        TimedJournal? timed = null;
        if (knobs.AnySet || profileJournal)
        {
            // Registered after the silo's own, so this is the journal every grain receives.
            builder.Services.AddSingleton<IEventJournal>(sp =>
            {
                var inner = EventJournalFactory.Create(sp.GetRequiredService<StorageSettings>(), knobs.Apply(new JournalOptions()));
                timed = new TimedJournal(inner);
                return timed;
            });
        }

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        // Resolve it now, so the wrapper exists before the first event.
        _ = host.Services.GetRequiredService<IEventJournal>();
        return new InProcessSilo(host, clock.Elapsed, timed);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
