using System.Globalization;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Bench;

public sealed record GrainBenchmarkOptions
{
    public StorageKind Store { get; init; } = StorageKind.Sqlite;
    public int Children { get; init; } = 10_000;
    public int Concurrency { get; init; } = 64;
    public double Seconds { get; init; } = 15;
    public double WarmUpSeconds { get; init; } = 3;
    public JournalKnobs Knobs { get; init; } = new();
    public bool ProfileJournal { get; init; } = true;
    public bool PgBench { get; init; } = true;
    public bool AllocationProfile { get; init; }
    public string? PostgresConnection { get; init; }
    public string CommandLine { get; init; } = "";

    public static GrainBenchmarkOptions From(BenchArgs args, bool quick)
    {
        var store = args.Store();
        return new GrainBenchmarkOptions
        {
            Store = store,
            Children = args.Int("children", quick ? 500 : 10_000),
            Concurrency = Math.Max(1, args.Int("concurrency", quick ? 16 : 64)),
            Seconds = args.Number("seconds", quick ? 2 : 15),
            WarmUpSeconds = args.Number("warmup", quick ? 0.5 : 15),
            Knobs = JournalKnobs.From(args),
            ProfileJournal = !args.Flag("no-profile"),
            PgBench = !args.Flag("no-pgbench"),
            AllocationProfile = args.Flag("alloc-profile"),
            PostgresConnection = store == StorageKind.Postgres ? PostgresServer.FromArgs(args).ConnectionString : args.OptionalText("pg"),
        };
    }
}

/// <summary>
/// Durable contact events straight into <see cref="IChildGrain.RecordAsync"/> from the co-hosted client:
/// a closed loop of callers, each awaiting its receipt, over many children at once (births first, then
/// each child's further contacts). On PostgreSQL pgbench runs against the same server in the same run.
/// </summary>
public static class GrainBenchmark
{
    public static async Task<BenchResult> RunAsync(GrainBenchmarkOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var machine = MachineInfo.Capture();
        var startedAt = DateTimeOffset.UtcNow;
        var notes = new List<string>();
        var figures = new List<Figure>();
        var storeName = options.Store == StorageKind.Postgres ? "postgres" : "sqlite";

        await using var store = await BenchStore.CreateAsync(options.Store, options.PostgresConnection, cancellationToken);
        PgBenchResult? pgbench = null;
        if (options.Store == StorageKind.Postgres && options.PgBench)
        {
            log.WriteLine($"pgbench simple-update -c {options.Concurrency} -j 2 -T {Math.Max(1, (int)options.Seconds)} ...");
            pgbench = await new PostgresServer(options.PostgresConnection!).RunPgBenchAsync(options.Concurrency, Math.Max(1, (int)options.Seconds), cancellationToken);
        }

        var scripts = new ChildScripts("g" + Guid.NewGuid().ToString("N")[..6], DateTimeOffset.UtcNow);
        log.WriteLine($"preparing {options.Children:N0} children x {ChildScripts.Length} events...");
        var prepared = Prepare(scripts, options.Children);

        log.WriteLine($"starting silo on {storeName}...");
        await using var silo = await InProcessSilo.StartAsync(store.Target, options.Knobs, options.ProfileJournal, cancellationToken);
        var grains = silo.Grains;
        var children = options.Children;

        async Task<int> Record(long n)
        {
            var child = (int)(n % children);
            var step = n / children;
            var contact = step < ChildScripts.Length ? prepared[child][step] : scripts.Further(prepared[child][ChildScripts.Length], step, DateTimeOffset.UtcNow);
            var receipt = await grains.For<IChildGrain>(contact.ChildId!).RecordAsync(contact);
            return receipt.Status == ReceiptStatus.Accepted ? 1 : 0;
        }

        log.WriteLine($"driving {options.Concurrency} callers for {options.Seconds:0.#} s (+{options.WarmUpSeconds:0.#} s warm-up)...");
        LoadOutcome? outcome = null;
        JournalTimings? journal = null;
        var warmUp = TimeSpan.FromSeconds(options.WarmUpSeconds);
        using var allocations = options.AllocationProfile ? new AllocationSampler() : null;
        using (var resetAfterWarmUp = new Timer(_ => { silo.Journal?.Reset(); allocations?.Start(); }, null, warmUp, Timeout.InfiniteTimeSpan))
        {
            outcome = await LoadDriver.ClosedLoopAsync(options.Concurrency, warmUp, TimeSpan.FromSeconds(options.Seconds), Record, cancellationToken);
            journal = silo.Journal?.Snapshot();
        }

        if (allocations is not null)
        {
            notes.Add("allocations by type (sampled): " + string.Join(", ", allocations.Stop(30)
                .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Type} {a.Share:P1}"))));
        }

        var rate = outcome.UnitsPerSecond;
        figures.Add(Figure.AtLeast($"durable events/s, grain level, {storeName}", rate, "events/s", Targets.GrainEventsPerSecond));
        figures.Add(Figure.Info("latency p50", outcome.Latencies.PercentileMs(50), "ms"));
        figures.Add(Figure.Info("latency p95", outcome.Latencies.PercentileMs(95), "ms"));
        figures.Add(Figure.Info("latency p99", outcome.Latencies.PercentileMs(99), "ms"));
        figures.Add(Figure.Info("events not accepted", outcome.Failures, "events"));
        figures.Add(Figure.Info("silo start (in-process)", silo.StartUp.TotalSeconds, "s"));
        figures.Add(Figure.Info("CPU, this process (silo + callers)", outcome.Cpu.ProcessCores, "cores"));
        figures.Add(Figure.Info("CPU, rest of machine (database, others)", outcome.Cpu.OtherCores, "cores"));
        figures.Add(Figure.Info("CPU per event, this process", outcome.Cpu.ProcessCores * 1_000_000 / Math.Max(1e-9, rate), "us"));
        figures.Add(Figure.Info("allocated per event (silo + callers)", outcome.Cpu.AllocatedBytes / (double)Math.Max(1, outcome.Operations), "B"));
        notes.Add($"garbage collections during the timed phase: gen0 {outcome.Cpu.Collections[0]}, gen1 {outcome.Cpu.Collections[1]}, gen2 {outcome.Cpu.Collections[2]}");
        figures.Add(Figure.Info("time paused in GC", outcome.Cpu.GcPauseShare * 100, "%"));
        if (journal is { Appends: > 0 } j)
        {
            figures.Add(Figure.Info("journal appends per event", j.Appends / (double)Math.Max(1, outcome.Operations), "appends"));
            figures.Add(Figure.Info("journal append (queue + shared commit) mean", j.MeanMs, "ms"));
            figures.Add(Figure.Info("journal append p99", j.P99Ms, "ms"));
            figures.Add(Figure.Info("journal reads per event (activations, duplicates)", j.Reads / (double)Math.Max(1, outcome.Operations), "reads"));
        }

        if (pgbench is not null)
        {
            figures.Add(Figure.Info($"pgbench simple-update TPS (-c {pgbench.Clients} -j 2 -T {pgbench.Seconds})", pgbench.Tps, "tx/s"));
            figures.Add(Figure.Info("ingest / pgbench TPS", rate / pgbench.Tps, "x"));
        }

        if (outcome.FirstError.Length > 0)
        {
            notes.Add("first error: " + outcome.FirstError);
        }

        if (rate < Targets.GrainEventsPerSecond)
        {
            notes.Add(WhereTimeGoes(outcome, journal));
        }

        return Finish("grains-" + storeName, options.CommandLine, startedAt, machine, new Dictionary<string, string>
        {
            ["store"] = storeName,
            ["children"] = children.ToString(CultureInfo.InvariantCulture),
            ["concurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
            ["seconds"] = options.Seconds.ToString(CultureInfo.InvariantCulture),
            ["warmUpSeconds"] = options.WarmUpSeconds.ToString(CultureInfo.InvariantCulture),
            ["journal"] = options.Knobs.AnySet ? options.Knobs.ToString() : "production defaults (4 PostgreSQL flushers, batch 1000, queue 16384)",
            ["eventsRecorded"] = outcome.Units.ToString(CultureInfo.InvariantCulture),
        }, figures, notes);
    }

    /// <summary>Adds the verdict on the machine's load and stamps the finish.</summary>
    internal static BenchResult Finish(string name, string commandLine, DateTimeOffset startedAt, MachineInfo machine,
        IReadOnlyDictionary<string, string> parameters, List<Figure> figures, List<string> notes)
    {
        var finished = machine.Finished();
        var load = MachineInfo.OneMinuteLoad();
        if (load > Targets.BusyLoadAverage)
        {
            notes.Add($"load average {finished.LoadAverageBefore} -> {finished.LoadAverageAfter}: others were using the 2 cores during this run; re-measure when quiet");
        }

        return new BenchResult(name, commandLine, startedAt, (DateTimeOffset.UtcNow - startedAt).TotalSeconds, finished, parameters, figures, notes);
    }

    private static ContactEvent[][] Prepare(ChildScripts scripts, int children)
    {
        // Parsed before timing: validation is the gateway's cost, measured there, not the grains'.
        var now = DateTimeOffset.UtcNow;
        var events = new ContactEvent[children][];
        Parallel.For(0, children, child =>
        {
            // One more than the script: the first "further session", the template for every later step.
            var steps = new ContactEvent[ChildScripts.Length + 1];
            for (var step = 0; step < steps.Length; step++)
            {
                steps[step] = scripts.Parse(child, step, now);
            }

            events[child] = steps;
        });
        return events;
    }

    private static string WhereTimeGoes(LoadOutcome outcome, JournalTimings? journal)
    {
        var perEvent = outcome.Units > 0 ? outcome.Cpu.ProcessCores * 1_000_000 / outcome.UnitsPerSecond : double.NaN;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"where time goes: this process used {outcome.Cpu.ProcessCores:0.00} cores ({perEvent:0} us CPU per event), the rest of the machine {outcome.Cpu.OtherCores:0.00} cores");
        if (journal is { Appends: > 0 } j)
        {
            // Appends include the families' own (not on the caller's path), so this is a comparison, not a share.
            text += string.Create(CultureInfo.InvariantCulture,
                $"; a caller waits {outcome.Latencies.MeanMs:0.00} ms on average, a journal append (queue + shared commit, child's or family's) {j.MeanMs:0.00} ms");
        }

        var busy = outcome.Cpu.MachineBusyCores / Environment.ProcessorCount;
        text += busy > 0.9 ? "; the machine's cores were saturated: CPU binds, not the database's commit rate" : "; cores were not saturated: commit latency or queueing binds";
        return text;
    }
}
