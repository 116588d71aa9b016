using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using QpActors.Gateway.Grpc.V1;
using QpActors.Persistence;
using QpActors.Simulation.Security;

namespace QpActors.Bench;

public sealed record GatewayBenchmarkOptions
{
    public StorageKind Store { get; init; } = StorageKind.Sqlite;
    public IReadOnlySet<string> Modes { get; init; } = AllModes;
    public int Concurrency { get; init; } = 64;
    public double Seconds { get; init; } = 10;
    public double WarmUpSeconds { get; init; } = 2;
    public double? Rate { get; init; }
    public int Children { get; init; } = 10_000;
    public int Families { get; init; } = 2_000;
    public int FreshnessSamples { get; init; } = 30;
    public bool ExternalTool { get; init; } = true;
    public string Configuration { get; init; } = "Release";
    public string? PostgresConnection { get; init; }
    public string CommandLine { get; init; } = "";

    /// <summary>Which topologies to start, one after the other on fresh stores: external silo, co-hosted silo, or both.</summary>
    public IReadOnlyList<GatewayTopology> Topologies { get; init; } = [GatewayTopology.External];

    public static readonly IReadOnlySet<string> AllModes = new HashSet<string>(["http", "batch", "risk", "grpc"], StringComparer.Ordinal);

    public static GatewayBenchmarkOptions From(BenchArgs args, bool quick)
    {
        var mode = args.Text("mode", "all");
        var modes = mode == "all" ? AllModes : mode.Split(',').ToHashSet(StringComparer.Ordinal);
        if (modes.Except(AllModes).FirstOrDefault() is { } unknown)
        {
            throw new BenchUsageException($"--mode takes http, grpc, batch, risk or all, not '{unknown}'");
        }

        var store = args.Store();
        var topology = args.Text("topology", quick ? "external" : "both");
        // A list runs in the order given (e.g. in-process,external), so a second run can reverse the first's order.
        var topologies = (topology == "both" ? "external,in-process" : topology).Split(',').Select(t => t switch
        {
            "external" => GatewayTopology.External,
            "in-process" or "co-hosted" => GatewayTopology.InProcess,
            _ => throw new BenchUsageException($"--topology takes external, in-process, both or a list of them, not '{t}'"),
        }).Distinct().ToArray();
        double? rate = args.OptionalText("rate") is null ? null : args.Number("rate", 0);
        return new GatewayBenchmarkOptions
        {
            Store = store,
            Modes = modes,
            Concurrency = Math.Max(1, args.Int("concurrency", quick ? 16 : 64)),
            Seconds = args.Number("seconds", quick ? 2 : 10),
            WarmUpSeconds = args.Number("warmup", quick ? 0.5 : 2),
            Rate = rate,
            Children = Math.Max(100, args.Int("children", quick ? 500 : 10_000)) / 100 * 100,
            Families = Math.Max(10, args.Int("families", quick ? 200 : 2_000)),
            FreshnessSamples = Math.Max(1, args.Int("freshness-samples", quick ? 3 : 30)),
            ExternalTool = !args.Flag("no-wrk") && !quick,
            Configuration = args.Text("configuration", "Release"),
            PostgresConnection = args.OptionalText("pg") ?? Environment.GetEnvironmentVariable(PostgresServer.Variable),
            Topologies = topologies,
        };
    }
}

/// <summary>
/// The gateway from outside: silo and gateway started from the built binaries, driven over loopback by
/// HTTP/1.1 (SocketsHttpHandler, one connection per caller) and gRPC (HTTP/2), closed-loop at a set
/// concurrency and, with <c>--rate</c>, open-loop. A trivial GET measured in the same run is the yardstick.
/// </summary>
public static class GatewayBenchmark
{
    private const string Ward = "queens-park";

    public static bool BinariesExist(out string why)
    {
        var root = RepoRoot();
        var missing = new[] { GatewayProcesses.SiloDll(root, "Release"), GatewayProcesses.GatewayDll(root, "Release") }.Where(f => !File.Exists(f)).ToArray();
        why = missing.Length == 0 ? "" : "not built: " + string.Join(", ", missing);
        return missing.Length == 0;
    }

    public static async Task<BenchResult> RunAsync(GatewayBenchmarkOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var machine = MachineInfo.Capture();
        var startedAt = DateTimeOffset.UtcNow;
        var figures = new List<Figure>();
        var notes = new List<string>();
        var storeName = options.Store == StorageKind.Postgres ? "postgres" : "sqlite";
        var perTopology = new Dictionary<GatewayTopology, List<Figure>>();
        foreach (var topology in options.Topologies)
        {
            // Each topology on a fresh store, so neither reads the other's data or warm caches.
            var label = options.Topologies.Count > 1 ? $"[{GatewayProcesses.Describe(topology)}] " : "";
            var own = new List<Figure>();
            var ownNotes = new List<string> { $"1-minute load average when this topology started: {MachineInfo.OneMinuteLoad():0.0} ({Environment.ProcessorCount} cores)" };
            await RunTopologyAsync(options, topology, own, ownNotes, log, cancellationToken);
            perTopology[topology] = own;
            figures.AddRange(own.Select(f => f with { Name = label + f.Name }));
            notes.AddRange(ownNotes.Select(n => label + n));
        }

        if (perTopology.Count > 1)
        {
            CompareTopologies(perTopology[GatewayTopology.External], perTopology[GatewayTopology.InProcess], figures);
        }

        return GrainBenchmark.Finish("gateway-" + storeName, options.CommandLine, startedAt, machine, new Dictionary<string, string>
        {
            ["store"] = storeName,
            ["topologies"] = string.Join(',', options.Topologies.Select(GatewayProcesses.Describe)),
            ["modes"] = string.Join(',', options.Modes.Order(StringComparer.Ordinal)),
            ["concurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
            ["seconds"] = options.Seconds.ToString(CultureInfo.InvariantCulture),
            ["rate"] = options.Rate?.ToString(CultureInfo.InvariantCulture) ?? "closed loop only",
            ["children"] = options.Children.ToString(CultureInfo.InvariantCulture),
            ["families"] = options.Families.ToString(CultureInfo.InvariantCulture),
            ["binaries"] = options.Configuration,
            ["client"] = "HttpClient + SocketsHttpHandler (MaxConnectionsPerServer = concurrency), Grpc.Net.Client over HTTP/2",
            ["cpu per request"] = "CPU seconds of each host process (/proc/PID/stat) over the timed phase, divided by the requests (events for batches) it completed",
        }, figures, notes);
    }

    private static async Task RunTopologyAsync(GatewayBenchmarkOptions options, GatewayTopology topology, List<Figure> figures, List<string> notes, TextWriter log, CancellationToken cancellationToken)
    {
        var storeName = options.Store == StorageKind.Postgres ? "postgres" : "sqlite";
        var c = options.Concurrency;
        var warmUp = TimeSpan.FromSeconds(options.WarmUpSeconds);
        var duration = TimeSpan.FromSeconds(options.Seconds);
        var root = RepoRoot();

        await using var store = await BenchStore.CreateAsync(options.Store, options.PostgresConnection, cancellationToken);
        // The gateway reads the same key file, so tokens minted here validate there.
        var key = DevSigningKey.LoadOrCreate(store.DataDirectory);
        log.WriteLine($"starting {GatewayProcesses.Describe(topology)} ({options.Configuration} binaries) on {storeName}...");
        var (processes, firstStart) = await GatewayProcesses.StartAsync(root, store.Target, options.Configuration, topology, cancellationToken);
        await using var _ = processes;
        figures.Add(Figure.AtMost($"start to ready ({GatewayProcesses.Describe(topology)}, new store)", firstStart.TotalSeconds, "s", Targets.StartToReadySeconds));

        var tokens = new Tokens(key);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = c,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        })
        { BaseAddress = processes.HttpBase, Timeout = TimeSpan.FromSeconds(30) };

        // The yardstick: what ASP.NET Core does here with no work behind it.
        log.WriteLine("trivial GET /health/live...");
        var (live, liveCpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, async _ =>
        {
            using var response = await http.GetAsync(new Uri("health/live", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode ? 1 : 0;
        }, cancellationToken));
        AddRate(figures, "trivial GET /health/live", live, "req/s", floor: null);
        AddCpu(figures, live, liveCpu, live.Operations, live: null);
        (double Rate, double CpuUs) yardstick = (live.UnitsPerSecond, liveCpu.TotalSeconds * 1_000_000 / Math.Max(1, live.Operations));

        var scripts = new ChildScripts("gw" + Guid.NewGuid().ToString("N")[..5], DateTimeOffset.UtcNow, Ward);
        BatchRates? harness = null;
        if (options.Modes.Contains("http"))
        {
            log.WriteLine($"POST /v1/contacts, {c} connections...");
            var singles = new ChildScripts(scripts.RunTag + "s", DateTimeOffset.UtcNow, Ward);
            var (outcome, cpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, n => PostOneAsync(http, tokens, singles, options.Children, n, cancellationToken), cancellationToken));
            AddRate(figures, $"POST /v1/contacts ({storeName}, {c} conn.)", outcome, "events/s", Targets.SingleIngestPerSecond, Targets.SingleIngestP99Ms);
            AddCpu(figures, outcome, cpu, outcome.Operations, yardstick);
            NoteErrors(notes, "POST /v1/contacts", outcome);
            if (options.Rate is { } rate)
            {
                var open = await LoadDriver.OpenLoopAsync(rate, c * 4, duration, n => PostOneAsync(http, tokens, singles, options.Children, 1_000_000_000 + n, cancellationToken), cancellationToken);
                AddRate(figures, $"POST /v1/contacts open loop at {rate:N0}/s", open, "events/s", floor: null);
            }
        }

        if (options.Modes.Contains("batch"))
        {
            log.WriteLine("POST /v1/contacts/batch, 100 events a batch...");
            var batches = new ChildScripts(scripts.RunTag + "b", DateTimeOffset.UtcNow, Ward);
            var (outcome, cpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, n => PostBatchAsync(http, tokens, batches, options.Children, n, cancellationToken), cancellationToken));
            AddRate(figures, $"POST /v1/contacts/batch x100 ({storeName}, {c} conn.)", outcome, "events/s", Targets.BatchIngestPerSecond);
            AddCpu(figures, outcome, cpu, outcome.Units, yardstick, per: "event");
            AddHarnessCpu(figures, outcome);
            NoteErrors(notes, "POST /v1/contacts/batch", outcome);

            // What an offline device more often holds: a round of visits, several events per child.
            log.WriteLine($"POST /v1/contacts/batch, 100 events a batch: {RoundChildren} children x {RoundSteps} events...");
            var rounds = new ChildScripts(scripts.RunTag + "v", DateTimeOffset.UtcNow, Ward);
            var (roundOutcome, roundCpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, n => PostRoundAsync(http, tokens, rounds, options.Children, n, cancellationToken), cancellationToken));
            AddRate(figures, $"POST /v1/contacts/batch x100, {RoundChildren} children x {RoundSteps} ({storeName}, {c} conn.)", roundOutcome, "events/s", Targets.BatchIngestPerSecond);
            AddCpu(figures, roundOutcome, roundCpu, roundOutcome.Units, yardstick, per: "event");
            AddHarnessCpu(figures, roundOutcome);
            NoteErrors(notes, "POST /v1/contacts/batch (rounds)", roundOutcome);
            harness = new BatchRates(outcome.UnitsPerSecond, PerUnitUs(cpu, outcome.Units), roundOutcome.UnitsPerSecond, PerUnitUs(roundCpu, roundOutcome.Units));
        }

        // Families for the reads: births and a few contacts, loaded in batches (not timed).
        var readers = new ChildScripts(scripts.RunTag + "r", DateTimeOffset.UtcNow, Ward);
        var families = readers.FamilyHeads(options.Families * 3 / 2).Take(options.Families).ToArray();
        var readChildren = families[^1] + 1;
        if (options.Modes.Contains("risk") || options.Modes.Contains("grpc") || options.Modes.Contains("http"))
        {
            log.WriteLine($"loading {families.Length:N0} families for risk reads and follow-up contacts...");
            var seedBatches = (readChildren + 99) / 100 * 4;
            await Loader.RunAllAsync(seedBatches, 8, n => PostBatchAsync(http, tokens, readers, (readChildren + 99) / 100 * 100, n, cancellationToken), cancellationToken);
        }

        if (options.Modes.Contains("risk"))
        {
            log.WriteLine("GET /v1/families/{id}/risk (audited), warm...");
            var (warm, cpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, n => ReadRiskAsync(http, tokens, readers.FamilyId(families[n % families.Length]), cancellationToken), cancellationToken));
            AddRate(figures, $"GET /v1/families/{{id}}/risk warm ({c} conn.)", warm, "req/s", Targets.RiskReadsPerSecond, Targets.RiskReadP99Ms);
            AddCpu(figures, warm, cpu, warm.Operations, yardstick);
            var share = warm.UnitsPerSecond / Math.Max(1, live.UnitsPerSecond);
            figures.Add(new Figure("risk read / trivial GET (same run)", share, "x", ">= 0.8", share >= Targets.RiskReadShareOfTrivialGet));
            NoteErrors(notes, "GET risk", warm);
            if (options.Rate is { } rate)
            {
                var open = await LoadDriver.OpenLoopAsync(rate, c * 4, duration, n => ReadRiskAsync(http, tokens, readers.FamilyId(families[n % families.Length]), cancellationToken), cancellationToken);
                AddRate(figures, $"GET risk open loop at {rate:N0}/s", open, "req/s", floor: null);
            }
        }

        if (options.Modes.Contains("grpc"))
        {
            log.WriteLine("gRPC Record and GetRiskStatus...");
            using var channel = GrpcChannel.ForAddress(processes.GrpcBase, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = Timeout.InfiniteTimeSpan },
            });
            var contacts = new ContactsService.ContactsServiceClient(channel);
            var familiesClient = new FamiliesService.FamiliesServiceClient(channel);
            var grpcScripts = new ChildScripts(scripts.RunTag + "g", DateTimeOffset.UtcNow, Ward);
            var (record, recordCpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, async n =>
            {
                var (json, recorder) = grpcScripts.Wire((int)(n % options.Children), n / options.Children);
                var receipt = await contacts.RecordAsync(ToProto(json), tokens.Headers(recorder), cancellationToken: cancellationToken);
                return receipt.Status == "accepted" ? 1 : 0;
            }, cancellationToken));
            AddRate(figures, $"gRPC Record ({storeName}, {c} calls in flight)", record, "events/s", Targets.SingleIngestPerSecond, Targets.SingleIngestP99Ms);
            AddCpu(figures, record, recordCpu, record.Operations, yardstick);
            NoteErrors(notes, "gRPC Record", record);
            if (options.Modes.Contains("risk"))
            {
                var (read, readCpu) = await WithCpuAsync(processes, warmUp, () => LoadDriver.ClosedLoopAsync(c, warmUp, duration, async n =>
                {
                    var status = await familiesClient.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = readers.FamilyId(families[n % families.Length]) }, tokens.EarlyInterventionHeaders, cancellationToken: cancellationToken);
                    return status is null ? 0 : 1;
                }, cancellationToken));
                AddRate(figures, $"gRPC GetRiskStatus warm ({c} calls in flight)", read, "req/s", Targets.RiskReadsPerSecond, Targets.RiskReadP99Ms);
                AddCpu(figures, read, readCpu, read.Operations, yardstick);
                NoteErrors(notes, "gRPC GetRiskStatus", read);
            }
        }

        log.WriteLine($"ward-figure freshness, {options.FreshnessSamples} samples...");
        var freshness = await MeasureFreshnessAsync(http, tokens, new ChildScripts(scripts.RunTag + "f", DateTimeOffset.UtcNow, Ward), options.FreshnessSamples, cancellationToken);
        figures.Add(Figure.Info("ward-figure freshness p50", freshness.PercentileMs(50), "ms"));
        figures.Add(Figure.AtMost("ward-figure freshness p99", freshness.PercentileMs(99), "ms", Targets.FreshnessP99Ms));

        if (options.ExternalTool && ExternalTool.Find("wrk") is { } wrk)
        {
            log.WriteLine("wrk (external load tool)...");
            var known = Enumerable.Range(0, readChildren).Select(i => (readers.ChildId(i), readers.FamilyId(i))).ToArray();
            var batchKnown = new BatchKnown([], []);
            if (options.Modes.Contains("batch"))
            {
                // The batch scripts name only children the system already holds, as many as the harness's batches
                // use, each set its own: history lengths then grow alike in both tools, and the ratios compare like
                // with like. The families for reads are loaded only for http, risk and grpc, so they cannot serve here.
                log.WriteLine($"loading 2 x {options.Children:N0} children (births) for wrk's batches...");
                batchKnown = new BatchKnown(
                    await LoadBirthsAsync(http, tokens, new ChildScripts(scripts.RunTag + "wb", DateTimeOffset.UtcNow, Ward), options.Children, notes, cancellationToken),
                    await LoadBirthsAsync(http, tokens, new ChildScripts(scripts.RunTag + "wv", DateTimeOffset.UtcNow, Ward), options.Children, notes, cancellationToken));
            }

            var wrkBatches = await RunWrkAsync(wrk, processes, tokens, readers.FamilyId(families[0]), known, batchKnown, c, options.Seconds, options.Modes, figures, notes, cancellationToken);
            if (harness is { } ours && wrkBatches is { } theirs)
            {
                // Both measured in this run, minutes apart, on the same store: ratios survive the noise of others' work.
                figures.Add(Figure.Info("wrk / harness, batch x100 known children: events/s (same run)", theirs.Batches / Math.Max(1e-9, ours.Batches), "x"));
                figures.Add(Figure.Info("wrk / harness, batch x100 known children: host CPU per event", theirs.BatchCpuUs / Math.Max(1e-9, ours.BatchCpuUs), "x"));
                figures.Add(Figure.Info($"wrk / harness, visit rounds {ExternalTool.RoundChildren}x{ExternalTool.RoundEvents}: events/s (same run)", theirs.Rounds / Math.Max(1e-9, ours.Rounds), "x"));
                figures.Add(Figure.Info($"wrk / harness, visit rounds {ExternalTool.RoundChildren}x{ExternalTool.RoundEvents}: host CPU per event", theirs.RoundCpuUs / Math.Max(1e-9, ours.RoundCpuUs), "x"));
            }
        }
        else if (options.ExternalTool)
        {
            notes.Add("wrk not installed (apt-get install -y wrk): no external-tool figures");
        }

        if (options.ExternalTool && (options.Modes.Contains("risk") || options.Modes.Contains("grpc")))
        {
            if (ExternalTool.Find("h2load") is { } h2load)
            {
                log.WriteLine("h2load (external load tool): gRPC and HTTP risk reads...");
                await RunH2loadAsync(h2load, processes, tokens, readers.FamilyId(families[0]), c, options.Seconds, figures, notes, cancellationToken);
            }
            else
            {
                notes.Add("h2load not installed (apt-get install -y nghttp2-client): no external-tool gRPC figures");
            }
        }

        if (!string.Equals(options.Configuration, "Release", StringComparison.Ordinal))
        {
            notes.Add($"{options.Configuration} binaries: a functional check of the harness, not figures to compare with the targets");
        }

        log.WriteLine($"restarting {GatewayProcesses.Describe(topology)} (warm start), then cold risk reads...");
        var restart = await processes.RestartAsync(cancellationToken);
        figures.Add(Figure.AtMost("start to ready (warm restart, same store)", restart.TotalSeconds, "s", Targets.StartToReadySeconds));
        if (options.Modes.Contains("risk"))
        {
            var cold = await LoadDriver.ClosedLoopAsync(c, TimeSpan.Zero, TimeSpan.FromSeconds(Math.Max(options.Seconds, 30)),
                n => ReadRiskAsync(http, tokens, readers.FamilyId(families[n]), cancellationToken), cancellationToken, limit: families.Length);
            AddRate(figures, "GET risk cold (first read after restart: activation from storage)", cold, "req/s", floor: null);
        }

    }

    /// <summary>
    /// Runs a closed-loop phase and reads the host processes' CPU over its timed part (after the warm-up):
    /// per-request CPU stays comparable when other work on the machine moves the throughput.
    /// </summary>
    private static async Task<(LoadOutcome Outcome, HostCpu Cpu)> WithCpuAsync(GatewayProcesses processes, TimeSpan warmUp, Func<Task<LoadOutcome>> phase)
    {
        var atWarm = Task.Delay(warmUp).ContinueWith(_ => processes.CpuNow(), TaskScheduler.Default);
        var outcome = await phase();
        var before = await atWarm;
        return (outcome, processes.CpuNow() - before);
    }

    /// <summary>
    /// CPU per request (or per event) in each host and in all together, and both throughput and CPU as
    /// ratios to the trivial GET of the same topology in the same run.
    /// </summary>
    private static void AddCpu(List<Figure> figures, LoadOutcome outcome, HostCpu cpu, long count, (double Rate, double CpuUs)? live, string per = "request")
    {
        if (count <= 0)
        {
            return;
        }

        var total = cpu.TotalSeconds * 1_000_000 / count;
        if (cpu.HasSilo)
        {
            figures.Add(Figure.Info($"  gateway CPU per {per}", cpu.GatewaySeconds * 1_000_000 / count, "us"));
            figures.Add(Figure.Info($"  silo CPU per {per}", cpu.SiloSeconds * 1_000_000 / count, "us"));
        }

        figures.Add(Figure.Info($"  CPU per {per}, all hosts", total, "us"));
        if (live is { } yardstick)
        {
            figures.Add(Figure.Info("  rate / trivial GET rate (same run)", outcome.UnitsPerSecond / Math.Max(1, yardstick.Rate), "x"));
            figures.Add(Figure.Info($"  CPU per {per} / trivial GET's", total / Math.Max(1e-9, yardstick.CpuUs), "x"));
        }
    }

    /// <summary>The co-hosted topology's figures as ratios to the external topology's, measured in the same run.</summary>
    private static void CompareTopologies(List<Figure> external, List<Figure> coHosted, List<Figure> figures)
    {
        static Dictionary<string, double> Keyed(List<Figure> list)
        {
            var keyed = new Dictionary<string, double>(StringComparer.Ordinal);
            var parent = "";
            foreach (var f in list)
            {
                parent = f.Name.StartsWith(' ') ? parent : f.Name;
                keyed[f.Name.StartsWith(' ') ? parent + " /" + f.Name.Trim() : f.Name] = f.Value;
            }

            return keyed;
        }

        var before = Keyed(external);
        var after = Keyed(coHosted);
        foreach (var (name, value) in before)
        {
            var compared = name.EndsWith("all hosts", StringComparison.Ordinal) || name.EndsWith("/ trivial GET rate (same run)", StringComparison.Ordinal)
                || external.Any(f => f.Name == name && f.Unit is "events/s" or "req/s");
            if (compared && after.TryGetValue(name, out var other) && value > 0)
            {
                figures.Add(Figure.Info("co-hosted / external: " + name, other / value, "x"));
            }
        }
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QpActors.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QpActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new BenchUsageException("run from inside the repository (QpActors.sln not found)");
    }

    private static void AddRate(List<Figure> figures, string name, LoadOutcome outcome, string unit, double? floor, double? p99Ceiling = null)
    {
        figures.Add(floor is { } f ? Figure.AtLeast(name, outcome.UnitsPerSecond, unit, f) : Figure.Info(name, outcome.UnitsPerSecond, unit));
        figures.Add(Figure.Info("  p50", outcome.Latencies.PercentileMs(50), "ms"));
        figures.Add(Figure.Info("  p95", outcome.Latencies.PercentileMs(95), "ms"));
        figures.Add(p99Ceiling is { } ceiling ? Figure.AtMost("  p99", outcome.Latencies.PercentileMs(99), "ms", ceiling) : Figure.Info("  p99", outcome.Latencies.PercentileMs(99), "ms"));
        if (outcome.Failures > 0)
        {
            figures.Add(Figure.Info("  failed or refused", outcome.Failures, "requests"));
        }
    }

    private static void NoteErrors(List<string> notes, string what, LoadOutcome outcome)
    {
        if (outcome.Failures > 0)
        {
            notes.Add($"{what}: {outcome.Failures:N0} of {outcome.Operations:N0} failed or were refused" + (outcome.FirstError.Length > 0 ? "; first error: " + outcome.FirstError : ""));
        }
    }

    private static async Task<int> PostOneAsync(HttpClient http, Tokens tokens, ChildScripts scripts, int children, long n, CancellationToken cancellationToken)
    {
        var (json, recorder) = scripts.Wire((int)(n % children), n / children);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/contacts") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = tokens.Bearer(recorder);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /v1/contacts: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return 1;
    }

    /// <summary>
    /// Batch <paramref name="n"/>: 100 consecutive children at one step, so every item has the same recorder
    /// (a device posts as one service). <paramref name="children"/> is a multiple of 100.
    /// </summary>
    private static Task<int> PostBatchAsync(HttpClient http, Tokens tokens, ChildScripts scripts, int children, long n, CancellationToken cancellationToken)
    {
        var perStep = children / 100;
        var step = n / perStep;
        var first = (int)(n % perStep) * 100;
        var items = new List<(string Json, string RecordedBy)>(100);
        for (var i = 0; i < 100; i++)
        {
            items.Add(scripts.Wire(first + i, step));
        }

        return PostItemsAsync(http, tokens, items, cancellationToken);
    }

    /// <summary>Posts the items as one batch with the last item's recorder (a device posts as one service).</summary>
    private static async Task<int> PostItemsAsync(HttpClient http, Tokens tokens, List<(string Json, string RecordedBy)> items, CancellationToken cancellationToken)
    {
        var body = new StringBuilder(40_000).Append("{\"events\":[");
        for (var i = 0; i < items.Count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append(items[i].Json);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/contacts/batch") { Content = new StringContent(body.Append("]}").ToString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = tokens.Bearer(items[^1].RecordedBy);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /v1/contacts/batch: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var receipts = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return receipts.RootElement.GetProperty("accepted").GetInt32() + receipts.RootElement.GetProperty("duplicates").GetInt32();
    }

    private const int RoundChildren = 20;
    private const int RoundSteps = 5;

    /// <summary>
    /// Batch <paramref name="n"/> as a round of visits: <see cref="RoundChildren"/> consecutive children, each with
    /// its next <see cref="RoundSteps"/> scripted events (births in the first round), posted with one recorder.
    /// </summary>
    private static Task<int> PostRoundAsync(HttpClient http, Tokens tokens, ChildScripts scripts, int children, long n, CancellationToken cancellationToken)
    {
        var perRound = Math.Max(1, children / RoundChildren);
        var round = n / perRound;
        var first = (int)(n % perRound) * RoundChildren;
        var items = new List<(string Json, string RecordedBy)>(RoundChildren * RoundSteps);
        for (var child = first; child < first + RoundChildren; child++)
        {
            for (var step = round * RoundSteps; step < (round + 1) * RoundSteps; step++)
            {
                items.Add(scripts.Wire(child, step));
            }
        }

        return PostItemsAsync(http, tokens, items, cancellationToken);
    }

    private static async Task<int> ReadRiskAsync(HttpClient http, Tokens tokens, string familyId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/families/{familyId}/risk");
        request.Headers.Authorization = tokens.EarlyIntervention;
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET risk: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return 1;
    }

    /// <summary>
    /// Posts one birth at a time and polls the ward figures until they change: the time from the
    /// acknowledgement to the event being visible. Nothing else is posted meanwhile, so a change is this event's.
    /// </summary>
    private static async Task<Latencies> MeasureFreshnessAsync(HttpClient http, Tokens tokens, ChildScripts scripts, int samples, CancellationToken cancellationToken)
    {
        async Task<string> Figures()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/wards/{Ward}/figures");
            request.Headers.Authorization = tokens.Commission;
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET figures: {(int)response.StatusCode} {text}");
            }

            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("figures", out var figures) ? figures.GetRawText() : text;
        }

        // Let what earlier phases posted reach the figures first.
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        var histogram = Latencies.NewHistogram();
        for (var i = 0; i < samples; i++)
        {
            var before = await Figures();
            await PostOneAsync(http, tokens, scripts, samples, i, cancellationToken);
            var acknowledged = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(acknowledged) < TimeSpan.FromSeconds(10) && await Figures() == before)
            {
                await Task.Delay(5, cancellationToken);
            }

            histogram.RecordValue(Math.Max(1, Latencies.ElapsedMicros(acknowledged)));
        }

        var latencies = new Latencies();
        latencies.Add(histogram);
        return latencies;
    }

    private static ContactEvent ToProto(string wireJson)
    {
        using var document = JsonDocument.Parse(wireJson);
        var root = document.RootElement;
        var proto = new ContactEvent
        {
            EventId = root.GetProperty("eventId").GetString(),
            Type = root.GetProperty("type").GetString(),
            OccurredAt = root.GetProperty("occurredAt").GetString(),
            FamilyId = root.GetProperty("familyId").GetString(),
            ChildId = root.GetProperty("childId").GetString(),
            Data = Struct.Parser.ParseJson(root.GetProperty("data").GetRawText()),
        };
        return proto;
    }

    /// <summary>Children the wrk batch scripts may name: one set for the batches of one event each, one for the visit rounds.</summary>
    private sealed record BatchKnown(IReadOnlyList<(string ChildId, string FamilyId)> Batches, IReadOnlyList<(string ChildId, string FamilyId)> Rounds);

    /// <summary>Durable events per second and host CPU per event of the two batch shapes, from one tool.</summary>
    private sealed record BatchRates(double Batches, double BatchCpuUs, double Rounds, double RoundCpuUs);

    private static double PerUnitUs(HostCpu cpu, long units) => cpu.TotalSeconds * 1_000_000 / Math.Max(1, units);

    /// <summary>The load harness's own CPU per event: it shares the 2 cores with the hosts and PostgreSQL, which wrk's run avoids in part.</summary>
    private static void AddHarnessCpu(List<Figure> figures, LoadOutcome outcome)
    {
        if (outcome.Units > 0)
        {
            figures.Add(Figure.Info("  load harness's own CPU per event", outcome.Cpu.ProcessCores * outcome.Seconds * 1_000_000 / outcome.Units, "us"));
        }
    }

    /// <summary>Births for <paramref name="children"/> children (a multiple of 100) in batches, untimed; returns them as (child, family).</summary>
    private static async Task<IReadOnlyList<(string ChildId, string FamilyId)>> LoadBirthsAsync(HttpClient http, Tokens tokens, ChildScripts scripts, int children, List<string> notes, CancellationToken cancellationToken)
    {
        // Batch n < children / 100 is step 0 of 100 consecutive children: their births.
        var (done, failed, _) = await Loader.RunAllAsync(children / 100, 8, n => PostBatchAsync(http, tokens, scripts, children, n, cancellationToken), cancellationToken);
        if (failed > 0)
        {
            notes.Add($"loading births for wrk's batches: {failed:N0} of {done:N0} batches failed, so some events went to children not yet known");
        }

        return Enumerable.Range(0, children).Select(i => (scripts.ChildId(i), scripts.FamilyId(i))).ToArray();
    }

    private static async Task<BatchRates?> RunWrkAsync(string wrk, GatewayProcesses processes, Tokens tokens, string familyId, IReadOnlyList<(string ChildId, string FamilyId)> known, BatchKnown batchKnown,
        int connections, double seconds, IReadOnlySet<string> modes, List<Figure> figures, List<string> notes, CancellationToken cancellationToken)
    {
        var duration = Math.Max(2, (int)seconds).ToString(CultureInfo.InvariantCulture) + "s";
        var baseUrl = processes.HttpBase.ToString().TrimEnd('/');
        string[] common = ["-t", WrkThreads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", duration, "--latency"];
        var liveCpu = processes.CpuNow();
        var live = ExternalTool.ParseWrk(await ExternalTool.RunAsync(wrk, [.. common, baseUrl + "/health/live"], cancellationToken));
        liveCpu = processes.CpuNow() - liveCpu;
        figures.Add(Figure.Info($"wrk GET /health/live (-c {connections})", live.RequestsPerSecond, "req/s", $"p99 {live.P99Ms:0.##} ms"));
        figures.Add(Figure.Info("  CPU per request, all hosts", liveCpu.TotalSeconds * 1_000_000 / Math.Max(1, live.Requests), "us"));
        if (modes.Contains("risk"))
        {
            var riskCpu = processes.CpuNow();
            var riskGc = await PhaseCounters.StartAsync(processes, cancellationToken);
            var risk = ExternalTool.ParseWrk(await ExternalTool.RunAsync(wrk,
                [.. common, "-H", "Authorization: Bearer " + tokens.EarlyInterventionToken, $"{baseUrl}/v1/families/{familyId}/risk"], cancellationToken));
            riskCpu = processes.CpuNow() - riskCpu;
            await riskGc.StopAsync(cancellationToken);
            figures.Add(Figure.AtLeast($"wrk GET risk, one family (-c {connections})", risk.RequestsPerSecond, "req/s", Targets.RiskReadsPerSecond) with { Note = $"p99 {risk.P99Ms:0.##} ms" });
            riskGc.AddFigures(figures, risk.Requests);
            AddWrkCpu(figures, riskCpu, risk.Requests, liveCpu.TotalSeconds * 1_000_000 / Math.Max(1, live.Requests));
            figures.Add(new Figure("wrk risk / wrk trivial GET", risk.RequestsPerSecond / Math.Max(1, live.RequestsPerSecond), "x", ">= 0.8",
                risk.RequestsPerSecond / Math.Max(1, live.RequestsPerSecond) >= Targets.RiskReadShareOfTrivialGet));
            if (risk.Non2xx > 0)
            {
                notes.Add($"wrk risk: {risk.Non2xx:N0} non-2xx responses");
            }
        }

        if (modes.Contains("http"))
        {
            await PostWithWrkAsync("births.lua", ExternalTool.BirthsScript("w" + Guid.NewGuid().ToString("N")[..6], tokens.Recorder("service:midwifery"), Ward), "new births");

            // The steady state: most contacts are for children already known (a birth is one event in eighteen).
            await PostWithWrkAsync("contacts.lua", ExternalTool.ContactsScript("k" + Guid.NewGuid().ToString("N")[..6], tokens.Recorder("service:sounds-like-fun"), known, DateTimeOffset.UtcNow.AddHours(-1)), $"{known.Count:N0} known children");
        }

        BatchRates? batchRates = null;
        if (modes.Contains("batch"))
        {
            var at = DateTimeOffset.UtcNow.AddHours(-1);
            var (batches, batchCpu) = await PostBatchesWithWrkAsync("batch-contacts.lua",
                ExternalTool.BatchContactsScript("wb" + Guid.NewGuid().ToString("N")[..6], tokens.Recorder("service:sounds-like-fun"), batchKnown.Batches, at, WrkThreads),
                $"known children ({batchKnown.Batches.Count:N0}, one event each)");
            var (rounds, roundCpu) = await PostBatchesWithWrkAsync("visit-rounds.lua",
                ExternalTool.VisitRoundScript("wv" + Guid.NewGuid().ToString("N")[..6], tokens.Recorder("service:health-visiting"), batchKnown.Rounds, at, WrkThreads),
                $"visit rounds {ExternalTool.RoundChildren}x{ExternalTool.RoundEvents} ({batchKnown.Rounds.Count:N0} known children)");
            batchRates = new BatchRates(batches, batchCpu, rounds, roundCpu);
        }

        return batchRates;

        async Task PostWithWrkAsync(string scriptName, string scriptText, string what)
        {
            var script = Path.Combine(processes.Store.DataDirectory!, scriptName);
            await File.WriteAllTextAsync(script, scriptText, cancellationToken);
            var cpu = processes.CpuNow();
            var gc = await PhaseCounters.StartAsync(processes, cancellationToken);
            var post = ExternalTool.ParseWrk(await ExternalTool.RunAsync(wrk, [.. common, "-s", script, baseUrl + "/v1/contacts"], cancellationToken));
            cpu = processes.CpuNow() - cpu;
            await gc.StopAsync(cancellationToken);
            var accepted = post.RequestsPerSecond * (post.Requests - post.Non2xx) / Math.Max(1, post.Requests);
            figures.Add(Figure.AtLeast($"wrk POST /v1/contacts, {what} (-c {connections})", accepted, "events/s", Targets.SingleIngestPerSecond) with { Note = $"p99 {post.P99Ms:0.##} ms" });
            gc.AddFigures(figures, post.Requests);
            AddWrkCpu(figures, cpu, post.Requests, liveCpu.TotalSeconds * 1_000_000 / Math.Max(1, live.Requests));
            if (post.Non2xx > 0)
            {
                notes.Add($"wrk POST ({what}): {post.Non2xx:N0} of {post.Requests:N0} responses were not 2xx (counted out of the rate)");
            }
        }

        // What a person at the early intervention team waits for while devices sync: a few audited reads of one
        // family alongside the batches, from a second into the phase until a second before its end. They add a few
        // dozen requests a second to the batches' load, which is small beside it.
        async Task<ExternalTool.WrkResult?> ReadWhileDevicesSyncAsync()
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var readFor = Math.Max(1, (int)seconds - 2).ToString(CultureInfo.InvariantCulture) + "s";
            var output = await ExternalTool.RunAsync(wrk,
                ["-t", "1", "-c", ReadersWhileSyncing.ToString(CultureInfo.InvariantCulture), "-d", readFor, "--timeout", "30s", "--latency",
                    "-H", "Authorization: Bearer " + tokens.EarlyInterventionToken, $"{baseUrl}/v1/families/{familyId}/risk"], cancellationToken);
            var reads = ExternalTool.ParseWrk(output);
            if (reads.Non2xx > 0)
            {
                notes.Add($"risk reads during batches: {reads.Non2xx:N0} of {reads.Requests:N0} were not 2xx");
            }

            return reads;
        }

        // Counts only items the gateway answered "accepted" (read from each receipt by the script), so a batch that
        // answered 200 with rejected or duplicate items, a non-2xx answer or a timeout adds nothing to the rate.
        async Task<(double EventsPerSecond, double CpuPerEventUs)> PostBatchesWithWrkAsync(string scriptName, string scriptText, string what)
        {
            var name = $"wrk POST /v1/contacts/batch x{ExternalTool.BatchSize}, {what} (-c {connections})";
            var script = Path.Combine(processes.Store.DataDirectory!, scriptName);
            await File.WriteAllTextAsync(script, scriptText, cancellationToken);
            var cpu = processes.CpuNow();
            var gc = await PhaseCounters.StartAsync(processes, cancellationToken);
            var readsMeanwhile = modes.Contains("risk") ? ReadWhileDevicesSyncAsync() : null;
            // A batch of 100 durable events may take far longer than wrk's default 2 s timeout under load.
            var output = await ExternalTool.RunAsync(wrk, [.. common, "--timeout", "30s", "-s", script, baseUrl + "/v1/contacts/batch"], cancellationToken, requireSuccess: true);
            cpu = processes.CpuNow() - cpu;
            await gc.StopAsync(cancellationToken);
            var reads = readsMeanwhile is null ? null : await readsMeanwhile;
            var post = ExternalTool.ParseWrk(output);
            var receipts = ExternalTool.ParseReceipts(output) ?? throw new InvalidOperationException("the wrk batch script printed no receipt totals:\n" + output);
            var items = Math.Max(1, post.Requests * ExternalTool.BatchSize);
            var acceptedShare = (double)receipts.Accepted / items;
            var rate = post.RequestsPerSecond * ExternalTool.BatchSize * acceptedShare;
            figures.Add(Figure.AtLeast(name, rate, "events/s", Targets.BatchIngestPerSecond) with { Note = $"p99 {post.P99Ms:0.##} ms a batch" });
            gc.AddFigures(figures, post.Requests * ExternalTool.BatchSize, per: "event");
            figures.Add(Figure.Info("  accepted share of posted items", acceptedShare, "x"));
            if (reads is not null)
            {
                figures.Add(Figure.Info($"  audited risk read meanwhile (wrk -c {ReadersWhileSyncing}): p50", reads.P50Ms, "ms",
                    $"p99 {reads.P99Ms:0.##} ms, {reads.RequestsPerSecond:N0} req/s"));
            }

            figures.Add(Figure.Info("  CPU per batch, all hosts", cpu.TotalSeconds * 1_000_000 / Math.Max(1, post.Requests), "us"));
            AddWrkCpu(figures, cpu, receipts.Accepted, liveCpu.TotalSeconds * 1_000_000 / Math.Max(1, live.Requests), per: "event");
            if (post.Non2xx > 0 || receipts.Duplicates > 0 || receipts.Rejected > 0 || receipts.Unread > 0)
            {
                notes.Add($"{name}: of {post.Requests:N0} batches {post.Non2xx:N0} were not 2xx and {receipts.Unread:N0} answered 200 with no receipt totals; "
                    + $"items: {receipts.Accepted:N0} accepted, {receipts.Duplicates:N0} duplicate, {receipts.Rejected:N0} rejected (only accepted items count)");
            }

            if (output.Split('\n').FirstOrDefault(l => l.Contains("Socket errors", StringComparison.Ordinal)) is { } socketErrors)
            {
                notes.Add($"{name}: {socketErrors.Trim()}");
            }

            return (rate, PerUnitUs(cpu, receipts.Accepted));
        }
    }

    /// <summary>wrk's threads; the scripts number requests per thread with it so ids never repeat.</summary>
    private const int WrkThreads = 2;

    /// <summary>Connections reading risk statuses while wrk's batches run.</summary>
    private const int ReadersWhileSyncing = 4;

    /// <summary>
    /// The audited risk read over gRPC and over HTTP, both driven by h2load, so the two twins are compared through one
    /// external client (the harness's own gRPC client costs more CPU per call than its HttpClient, on the same cores).
    /// Both paths are warmed up first (a path measured cold spends a tenth of its time in the JIT), then measured
    /// alternately, twice each, so neither gets the quieter minute. One call per connection is the HTTP/1.1 client's
    /// only way; a gRPC channel multiplexes calls on its connection, so gRPC is also measured with the same number of
    /// calls in flight on an eighth of the connections.
    /// </summary>
    /// <remarks>
    /// gRPC carries its status in trailers, which h2load does not read; a successful status is some hundreds of bytes,
    /// an error none, so the mean body size per call is checked against the HTTP twin's order of magnitude.
    /// </remarks>
    private static async Task RunH2loadAsync(string h2load, GatewayProcesses processes, Tokens tokens, string familyId, int connections, double seconds,
        List<Figure> figures, List<string> notes, CancellationToken cancellationToken)
    {
        var half = Math.Max(2, (int)(seconds / 2));
        var frame = Path.Combine(processes.Store.DataDirectory!, "risk-status-request.grpc");
        await File.WriteAllBytesAsync(frame, ExternalTool.GrpcFrame(Google.Protobuf.MessageExtensions.ToByteArray(new RiskStatusRequest { FamilyId = familyId })), cancellationToken);
        var streams = Math.Max(1, Math.Min(8, connections));
        var multiplexed = Math.Max(1, connections / streams);

        string[] Common(int c, int m, int duration) =>
            ["-c", c.ToString(CultureInfo.InvariantCulture), "-t", "2", "-m", m.ToString(CultureInfo.InvariantCulture),
             "-D", duration.ToString(CultureInfo.InvariantCulture), "-H", "authorization: Bearer " + tokens.EarlyInterventionToken];
        string[] Grpc(int c, int m, int duration) =>
            [.. Common(c, m, duration), "-d", frame, "-H", "content-type: application/grpc", "-H", "te: trailers", processes.GrpcBase + "qp.v1.FamiliesService/GetRiskStatus"];
        string[] Http(int duration) => [.. Common(connections, 1, duration), "--h1", $"{processes.HttpBase}v1/families/{familyId}/risk"];

        async Task<(ExternalTool.H2loadResult Run, double CpuUs)> Measure(string[] arguments)
        {
            var cpu = processes.CpuNow();
            var run = ExternalTool.ParseH2load(await ExternalTool.RunAsync(h2load, arguments, cancellationToken, requireSuccess: true));
            return (run, (processes.CpuNow() - cpu).TotalSeconds * 1_000_000 / Math.Max(1, run.Done));
        }

        await Measure(Grpc(connections, 1, 3));
        await Measure(Http(3));
        var grpc = new List<(ExternalTool.H2loadResult Run, double CpuUs)>();
        var http = new List<(ExternalTool.H2loadResult Run, double CpuUs)>();
        var mux = new List<(ExternalTool.H2loadResult Run, double CpuUs)>();
        for (var round = 0; round < 2; round++)
        {
            grpc.Add(await Measure(Grpc(connections, 1, half)));
            http.Add(await Measure(Http(half)));
            mux.Add(await Measure(Grpc(multiplexed, streams, half)));
        }

        static double Rate(List<(ExternalTool.H2loadResult Run, double CpuUs)> runs) => runs.Average(r => r.Run.RequestsPerSecond);
        static double Cpu(List<(ExternalTool.H2loadResult Run, double CpuUs)> runs) => runs.Average(r => r.CpuUs);
        figures.Add(Figure.Info($"h2load gRPC GetRiskStatus (-c {connections} -m 1, HTTP/2)", Rate(grpc), "req/s", $"mean {grpc.Average(r => r.Run.MeanMs):0.##} ms"));
        figures.Add(Figure.Info("  CPU per request, all hosts", Cpu(grpc), "us"));
        figures.Add(Figure.Info($"h2load gRPC GetRiskStatus (-c {multiplexed} -m {streams}, multiplexed)", Rate(mux), "req/s", $"mean {mux.Average(r => r.Run.MeanMs):0.##} ms"));
        figures.Add(Figure.Info("  CPU per request, all hosts", Cpu(mux), "us"));
        figures.Add(Figure.Info($"h2load GET risk (-c {connections}, HTTP/1.1)", Rate(http), "req/s", $"mean {http.Average(r => r.Run.MeanMs):0.##} ms"));
        figures.Add(Figure.Info("  CPU per request, all hosts", Cpu(http), "us"));
        var ratio = Rate(grpc) / Math.Max(1e-9, Rate(http));
        figures.Add(new Figure("h2load gRPC risk / h2load HTTP risk, one call per connection (same run)", ratio, "x", ">= 1", ratio >= 1));
        var muxRatio = Rate(mux) / Math.Max(1e-9, Rate(http));
        figures.Add(new Figure($"h2load gRPC risk multiplexed / h2load HTTP risk, {connections} calls in flight (same run)", muxRatio, "x", ">= 1", muxRatio >= 1));

        foreach (var (what, runs) in new[] { ("gRPC", grpc), ("gRPC multiplexed", mux), ("HTTP", http) })
        {
            foreach (var (run, _) in runs)
            {
                if (run.Succeeded != run.Done || run.Failed + run.Errored > 0)
                {
                    notes.Add($"h2load {what} risk: {run.Done - run.Succeeded:N0} of {run.Done:N0} requests were not 2xx, {run.Errored:N0} errored");
                }

                // A protobuf status is smaller than its JSON twin but of the same order; error calls carry no body at all.
                if (what != "HTTP" && run.BytesPerRequest < http[0].Run.BytesPerRequest / 10)
                {
                    notes.Add($"h2load {what} risk: {run.BytesPerRequest:0} bytes per call against HTTP's {http[0].Run.BytesPerRequest:0}: most calls likely failed with a gRPC status, so its rate is not a read rate");
                }
            }
        }
    }

    private static void AddWrkCpu(List<Figure> figures, HostCpu cpu, long count, double trivialCpuUs, string per = "request")
    {
        count = Math.Max(1, count);
        if (cpu.HasSilo)
        {
            figures.Add(Figure.Info($"  gateway CPU per {per}", cpu.GatewaySeconds * 1_000_000 / count, "us"));
            figures.Add(Figure.Info($"  silo CPU per {per}", cpu.SiloSeconds * 1_000_000 / count, "us"));
        }

        var total = cpu.TotalSeconds * 1_000_000 / count;
        figures.Add(Figure.Info($"  CPU per {per}, all hosts", total, "us"));
        figures.Add(Figure.Info($"  CPU per {per} / trivial GET's", total / Math.Max(1e-9, trivialCpuUs), "x"));
    }

    /// <summary>
    /// What the gateway process's garbage collector and, when it co-hosts the silo, its journal did during a phase, read
    /// from its own metrics before and after. The GC: the share of wall time paused (what a request waiting behind a
    /// collection sees; docs/benchmarks.md, seventh round) and the bytes allocated per request or event, which do not drift
    /// with the machine's speed as rates do. The journal: how long callers waited for durable writes (p50, p99), how long
    /// a commit took and how many writes it carried, so a phase's tail can be told apart from the storage's.
    /// </summary>
    private sealed class PhaseCounters(GatewayProcesses processes, GatewayCounters? before, Stopwatch clock)
    {
        private GatewayCounters? _after;
        private double _elapsed;

        public static async Task<PhaseCounters> StartAsync(GatewayProcesses processes, CancellationToken cancellationToken) =>
            new(processes, await processes.GatewayCountersAsync(cancellationToken), Stopwatch.StartNew());

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            _elapsed = clock.Elapsed.TotalSeconds;
            _after = await processes.GatewayCountersAsync(cancellationToken);
        }

        /// <summary>The phase's figures, listed under its own rate: only those both readings carry.</summary>
        public void AddFigures(List<Figure> figures, long count, string per = "request")
        {
            if (before?.PausedSeconds is { } pausedBefore && _after?.PausedSeconds is { } pausedAfter && _elapsed > 0)
            {
                figures.Add(Figure.Info("  gateway process: time paused in GC", 100 * (pausedAfter - pausedBefore) / _elapsed, "%"));
            }

            if (before?.AllocatedBytes is { } allocatedBefore && _after?.AllocatedBytes is { } allocatedAfter && count > 0)
            {
                figures.Add(Figure.Info($"  gateway process: bytes allocated per {per}", (allocatedAfter - allocatedBefore) / count, "B"));
            }

            if (_after?.JournalAppends?.Since(before?.JournalAppends) is { Count: > 0 } appends)
            {
                figures.Add(Figure.Info("  journal: callers' wait for a durable write, p50", 1000 * appends.Quantile(0.5)!.Value, "ms",
                    $"p99 {1000 * appends.Quantile(0.99)!.Value:0.#} ms, {appends.Count:N0} waits"));
            }

            if (_after?.JournalCommits?.Since(before?.JournalCommits) is { Count: > 0 } commits)
            {
                var writes = _after.JournalWritesPerCommit?.Since(before?.JournalWritesPerCommit);
                figures.Add(Figure.Info("  journal: one commit, mean", 1000 * commits.Mean!.Value, "ms",
                    $"p99 {1000 * commits.Quantile(0.99)!.Value:0.#} ms, {commits.Count / Math.Max(1e-9, _elapsed):N0} a second, {writes?.Mean ?? 0:0.#} writes each"));
            }
        }
    }

    /// <summary>Tokens minted with the data folder's development key, one per recorder.</summary>
    private sealed class Tokens(DevSigningKey key)
    {
        private readonly Dictionary<string, AuthenticationHeaderValue> _recorders = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Metadata> _grpc = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public string EarlyInterventionToken { get; } = DevTokens.Issue(key, DevTokens.EarlyIntervention, null, null, [Ward], TimeSpan.FromHours(4), "bench-early-intervention");

        public AuthenticationHeaderValue EarlyIntervention => new("Bearer", EarlyInterventionToken);

        public Metadata EarlyInterventionHeaders => new() { { "Authorization", "Bearer " + EarlyInterventionToken } };

        public AuthenticationHeaderValue Commission { get; } = new("Bearer", DevTokens.Issue(key, DevTokens.Commission, null, null, [], TimeSpan.FromHours(4), "bench-commission"));

        public string Recorder(string recordedBy) => DevTokens.ForRecorder(key, recordedBy, TimeSpan.FromHours(4));

        public AuthenticationHeaderValue Bearer(string recordedBy)
        {
            lock (_gate)
            {
                if (!_recorders.TryGetValue(recordedBy, out var header))
                {
                    header = new AuthenticationHeaderValue("Bearer", Recorder(recordedBy));
                    _recorders[recordedBy] = header;
                }

                return header;
            }
        }

        public Metadata Headers(string recordedBy)
        {
            lock (_gate)
            {
                if (!_grpc.TryGetValue(recordedBy, out var headers))
                {
                    headers = new Metadata { { "Authorization", "Bearer " + Recorder(recordedBy) } };
                    _grpc[recordedBy] = headers;
                }

                return headers;
            }
        }
    }
}
