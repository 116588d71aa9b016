using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HdrHistogram;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Bench;

public sealed record FreshnessBenchmarkOptions
{
    public StorageKind Store { get; init; } = StorageKind.Sqlite;

    /// <summary>Offered load in events/s; several rates run one after another in the same silo, so they compare as ratios.</summary>
    public IReadOnlyList<double> Rates { get; init; } = [3000];

    public double Seconds { get; init; } = 20;
    public double WarmUpSeconds { get; init; } = 3;

    /// <summary>Children per rate step, spread over the area's four wards (each child runs through its scripted history).</summary>
    public int Children { get; init; } = 4000;

    /// <summary>How often each ward's probe records a marker (a marker waits for the previous one to be seen).</summary>
    public double ProbeEveryMs { get; init; } = 100;

    /// <summary>Pause between two reads of a ward's figures while a marker is awaited: the measurement's resolution.</summary>
    public double PollMs { get; init; } = 10;

    /// <summary>Share of load events sent twice at once (a phone syncing twice).</summary>
    public double Duplicates { get; init; } = 0.02;

    /// <summary>Sends beyond this many awaiting their receipt are refused, so an overloaded silo shows as refusals rather than a growing queue.</summary>
    public int MaxOutstanding { get; init; } = 512;
    public bool Reconcile { get; init; } = true;
    public string? PostgresConnection { get; init; }
    public string CommandLine { get; init; } = "";

    public static FreshnessBenchmarkOptions From(BenchArgs args, bool quick)
    {
        var store = args.Store();
        var rates = args.Text("rate", quick ? "500" : "3000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new BenchUsageException($"--rate takes positive events/s, comma-separated, not '{r}'"))
            .ToArray();
        var duplicates = args.Number("duplicates", 0.02);
        return new FreshnessBenchmarkOptions
        {
            Store = store,
            Rates = rates,
            Seconds = args.Number("seconds", quick ? 3 : 20),
            WarmUpSeconds = args.Number("warmup", quick ? 0.5 : 3),
            Children = Math.Max(4, args.Int("children", quick ? 400 : 4000)),
            ProbeEveryMs = Math.Max(1, args.Number("probe-every", 100)),
            PollMs = args.Number("poll", 10),
            Duplicates = duplicates <= 1 ? duplicates : throw new BenchUsageException("--duplicates is a share between 0 and 1"),
            MaxOutstanding = Math.Max(1, args.Int("max-outstanding", 512)),
            Reconcile = !args.Flag("no-reconcile"),
            PostgresConnection = store == StorageKind.Postgres ? PostgresServer.FromArgs(args).ConnectionString : args.OptionalText("pg"),
        };
    }
}

/// <summary>
/// Ward-figure freshness under sustained load, in-process like <see cref="GrainBenchmark"/>: an open loop offers contact
/// events at a fixed rate through <see cref="IChildGrain.RecordAsync"/> for children in the area's four wards (some sent
/// twice), while in each ward a probe child records a marker (a maternity drop-in session: a service the load never
/// records, so the ward's <c>caseload.maternity-drop-in.contactsThisMonth</c> moves only with markers) and reads the
/// ward's figures until the marker shows. Freshness is from the instant the marker was sent to the end of the first read
/// that shows it. After the load stops, the time until every ward shows every accepted birth says whether the aggregates
/// kept up; reconciliation then recomputes each ward from its entities.
/// </summary>
public static class FreshnessBenchmark
{
    public static readonly IReadOnlyList<string> Wards = ["queens-park", "harrow-road", "westbourne", "church-street"];

    private const string MarkerService = "maternity-drop-in";
    private const string MarkerPath = "caseload.maternity-drop-in.contactsThisMonth";
    private static readonly FiguresQuery Query = new("month", null, "default");
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    public static async Task<BenchResult> RunAsync(FreshnessBenchmarkOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var machine = MachineInfo.Capture();
        var startedAt = DateTimeOffset.UtcNow;
        var notes = new List<string>();
        var figures = new List<Figure>();
        var storeName = options.Store == StorageKind.Postgres ? "postgres" : "sqlite";
        var tag = "fr" + Guid.NewGuid().ToString("N")[..6];

        await using var store = await BenchStore.CreateAsync(options.Store, options.PostgresConnection, cancellationToken);
        log.WriteLine($"starting silo on {storeName}...");
        await using var silo = await InProcessSilo.StartAsync(store.Target, new JournalKnobs(), profileJournal: false, cancellationToken);
        var grains = silo.Grains;

        var probes = new Dictionary<string, Probe>(StringComparer.Ordinal);
        foreach (var ward in Wards)
        {
            var probe = new Probe(tag, ward);
            var born = await grains.For<IChildGrain>(probe.ChildId).RecordAsync(probe.Birth(DateTimeOffset.UtcNow));
            if (born.Status != ReceiptStatus.Accepted)
            {
                throw new InvalidOperationException($"probe birth in {ward} was not accepted: {born.Status}");
            }

            probes[ward] = probe;
        }

        double? highestKept = null;
        var step = 0;
        foreach (var rate in options.Rates)
        {
            step++;
            var label = options.Rates.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" @ {rate:0} events/s") : "";
            var result = await RunStepAsync(grains, probes, options, rate, $"{tag}s{step}", log, cancellationToken);
            figures.Add(Figure.Info("offered load" + label, rate, "events/s"));
            figures.Add(Figure.Info("accepted events/s (open loop)" + label, result.Load.UnitsPerSecond, "events/s"));
            figures.Add(Figure.Info("record latency p99 (from due time)" + label, result.Load.Latencies.PercentileMs(99), "ms"));
            figures.Add(Figure.Info("sends refused (over max outstanding)" + label, result.Load.Failures, "events"));
            figures.Add(Figure.Info("duplicate sends" + label, result.DuplicatesSent, "events"));
            figures.Add(Figure.Info("markers seen / sent" + label, result.Freshness.Count, "markers", $"{result.MarkersSent} sent, {result.MarkersLost} not seen within {GiveUpAfter.TotalSeconds:0} s"));
            figures.Add(Figure.Info("freshness p50, marker sent -> figures show it" + label, result.Freshness.PercentileMs(50), "ms"));
            figures.Add(Figure.AtMost("freshness p99, marker sent -> figures show it" + label, result.Freshness.PercentileMs(99), "ms", Targets.FreshnessP99Ms));
            figures.Add(Figure.Info("freshness max" + label, result.Freshness.PercentileMs(100), "ms"));
            figures.Add(Figure.Info("acknowledged -> figures show it, p99" + label, result.AfterAck.PercentileMs(99), "ms"));
            figures.Add(Figure.Info("figures read (ward document, parsed) p50 / p99" + label, result.Reads.PercentileMs(50), "ms", string.Create(CultureInfo.InvariantCulture, $"p99 {result.Reads.PercentileMs(99):0.0} ms")));
            figures.Add(Figure.AtMost("figures caught up after the load stopped" + label, result.DrainMs, "ms", Targets.FreshnessP99Ms));
            figures.Add(Figure.Info("CPU, this process (silo + load)" + label, result.Load.Cpu.ProcessCores, "cores"));
            figures.Add(Figure.Info("CPU, rest of machine" + label, result.Load.Cpu.OtherCores, "cores"));
            if (result.Reconciliation is { } r)
            {
                figures.Add(Figure.Info("reconciliation: entities recomputed" + label, r.Checked, "entities", $"{r.Seconds:0.0} s"));
                figures.Add(new Figure("reconciliation: differences" + label, r.Differences, "differences", "= 0", r.Differences == 0));
                if (r.First is { } first)
                {
                    notes.Add($"first reconciliation difference at {rate:0}/s: {first}");
                }
            }

            if (result.Freshness.PercentileMs(99) <= Targets.FreshnessP99Ms && result.DrainMs <= Targets.FreshnessP99Ms && result.MarkersLost == 0)
            {
                highestKept = Math.Max(highestKept ?? 0, result.Load.UnitsPerSecond);
            }

            if (result.Load.FirstError.Length > 0)
            {
                notes.Add($"first load error at {rate:0}/s: {result.Load.FirstError}");
            }
        }

        figures.Add(Figure.Info("highest accepted events/s with freshness p99 and catch-up <= 1 s", highestKept ?? 0, "events/s"));
        notes.Add($"freshness is measured by reading the ward's figures every {options.PollMs:0.#} ms while a marker is awaited (the read that shows it ends the interval): resolution about one read plus that pause");
        notes.Add("the silo, the load and the probes share this process and the machine's 2 cores; compare rates within one run (ratios), not across runs");
        return GrainBenchmark.Finish("freshness-" + storeName, options.CommandLine, startedAt, machine, new Dictionary<string, string>
        {
            ["store"] = storeName,
            ["rates"] = string.Join(",", options.Rates.Select(r => r.ToString(CultureInfo.InvariantCulture))),
            ["seconds"] = options.Seconds.ToString(CultureInfo.InvariantCulture),
            ["warmUpSeconds"] = options.WarmUpSeconds.ToString(CultureInfo.InvariantCulture),
            ["childrenPerStep"] = options.Children.ToString(CultureInfo.InvariantCulture),
            ["probeEveryMs"] = options.ProbeEveryMs.ToString(CultureInfo.InvariantCulture),
            ["pollMs"] = options.PollMs.ToString(CultureInfo.InvariantCulture),
            ["duplicates"] = options.Duplicates.ToString(CultureInfo.InvariantCulture),
        }, figures, notes);
    }

    private static async Task<StepResult> RunStepAsync(
        IGrainFactory grains, Dictionary<string, Probe> probes, FreshnessBenchmarkOptions options, double rate, string runTag, TextWriter log, CancellationToken cancellationToken)
    {
        var children = options.Children;
        var perWard = (children + Wards.Count - 1) / Wards.Count;
        var now = DateTimeOffset.UtcNow;
        var scripts = Wards.Select(w => new ChildScripts($"{runTag}-{w}", now, w)).ToArray();
        log.WriteLine($"preparing {children:N0} children x {ChildScripts.Length} events for {rate:0} events/s...");
        var prepared = new ContactEvent[children][];
        Parallel.For(0, children, c =>
        {
            var steps = new ContactEvent[ChildScripts.Length];
            for (var s = 0; s < steps.Length; s++)
            {
                steps[s] = scripts[c % Wards.Count].Parse(c / Wards.Count, s, now);
            }

            prepared[c] = steps;
        });

        var knownBefore = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var ward in Wards)
        {
            knownBefore[ward] = Count(await ReadAsync(grains, ward), "reach.known");
        }

        var births = new long[Wards.Count];
        long duplicates = 0;
        var threshold = (ulong)(options.Duplicates * ulong.MaxValue);

        async Task<int> Record(long n)
        {
            var child = (int)(n % children);
            var s = n / children;
            var contact = s < ChildScripts.Length ? prepared[child][s] : scripts[child % Wards.Count].Parse(child / Wards.Count, s, DateTimeOffset.UtcNow);
            var grain = grains.For<IChildGrain>(contact.ChildId!);
            ContactReceipt receipt;
            if (Mix((ulong)n) < threshold)
            {
                Interlocked.Increment(ref duplicates);
                var both = await Task.WhenAll(grain.RecordAsync(contact), grain.RecordAsync(contact));
                receipt = both.FirstOrDefault(r => r.Status == ReceiptStatus.Accepted) ?? both[0];
            }
            else
            {
                receipt = await grain.RecordAsync(contact);
            }

            if (receipt.Status == ReceiptStatus.Accepted && s == 0)
            {
                Interlocked.Increment(ref births[child % Wards.Count]);
            }

            return receipt.Status == ReceiptStatus.Rejected ? 0 : 1;
        }

        log.WriteLine($"offering {rate:0} events/s for {options.WarmUpSeconds + options.Seconds:0.#} s ({options.WarmUpSeconds:0.#} s before the probes start)...");
        var stats = new ProbeStats();
        using var stopProbes = new CancellationTokenSource();
        var load = LoadDriver.OpenLoopAsync(rate, options.MaxOutstanding, TimeSpan.FromSeconds(options.WarmUpSeconds + options.Seconds), Record, cancellationToken);
        await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(options.WarmUpSeconds), cancellationToken));
        var probing = Wards.Select(ward => Task.Run(() => ProbeAsync(grains, probes[ward], options, stats, stopProbes.Token), cancellationToken)).ToArray();
        var outcome = await load;
        await stopProbes.CancelAsync();
        await Task.WhenAll(probing);

        // Caught up: every ward shows every birth the load had acknowledged.
        var drain = Stopwatch.StartNew();
        foreach (var (ward, index) in Wards.Select((w, i) => (w, i)))
        {
            var expected = knownBefore[ward] + (int)Interlocked.Read(ref births[index]);
            while (Count(await ReadAsync(grains, ward), "reach.known") < expected)
            {
                if (drain.Elapsed > GiveUpAfter)
                {
                    throw new InvalidOperationException($"{ward} did not show {expected} children within {GiveUpAfter.TotalSeconds:0} s of the load stopping");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, options.PollMs)), cancellationToken);
            }
        }

        var drainMs = drain.Elapsed.TotalMilliseconds;
        ReconciliationSummary? reconciliation = null;
        if (options.Reconcile)
        {
            // Reports still on their way (a family's one-way notice, the feed's next flush) would read as differences:
            // recompute only once no ward's figures have changed for three feed flushes.
            await SettleAsync(grains, cancellationToken);
            log.WriteLine("reconciling the four wards...");
            var clock = Stopwatch.StartNew();
            var reports = new List<ReconciliationReport>();
            foreach (var ward in Wards)
            {
                reports.Add(await grains.For<IWardGrain>(ward).ReconcileAsync());
            }

            reconciliation = new ReconciliationSummary(
                reports.Sum(r => r.EntitiesChecked),
                reports.Sum(r => r.Differences.Count),
                clock.Elapsed.TotalSeconds,
                reports.SelectMany(r => r.Differences).FirstOrDefault());
        }

        return new StepResult(outcome, stats.Freshness(), stats.AfterAck(), stats.Reads(), stats.Sent, stats.Lost, Interlocked.Read(ref duplicates), drainMs, reconciliation);
    }

    /// <summary>One ward's probe: a marker, then reads until the figures show it, then the next marker on the schedule.</summary>
    private static async Task ProbeAsync(IGrainFactory grains, Probe probe, FreshnessBenchmarkOptions options, ProbeStats stats, CancellationToken stop)
    {
        var every = TimeSpan.FromMilliseconds(options.ProbeEveryMs);
        var poll = TimeSpan.FromMilliseconds(options.PollMs);
        var seen = Count(await ReadAsync(grains, probe.Ward), MarkerPath);
        var next = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                // Waiting for the marker's scheduled instant, not measuring anything.
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            next += (long)(every.TotalSeconds * Stopwatch.Frequency);
            var marker = probe.Marker(DateTimeOffset.UtcNow);
            var sentAt = Stopwatch.GetTimestamp();
            var receipt = await grains.For<IChildGrain>(probe.ChildId).RecordAsync(marker);
            var ackedAt = Stopwatch.GetTimestamp();
            if (receipt.Status != ReceiptStatus.Accepted)
            {
                throw new InvalidOperationException($"marker {marker.EventId} was not accepted: {receipt.Status}");
            }

            stats.MarkSent();
            seen++;
            while (true)
            {
                var readStarted = Stopwatch.GetTimestamp();
                var shown = Count(await ReadAsync(grains, probe.Ward), MarkerPath);
                var readAt = Stopwatch.GetTimestamp();
                stats.RecordRead(Micros(readStarted, readAt));
                if (shown >= seen)
                {
                    stats.Record(Micros(sentAt, readAt), Micros(ackedAt, readAt));
                    break;
                }

                if (Stopwatch.GetElapsedTime(sentAt) > GiveUpAfter)
                {
                    stats.MarkLost();
                    seen = shown;
                    break;
                }

                await Task.Delay(poll, CancellationToken.None);
            }

            if (Stopwatch.GetTimestamp() > next)
            {
                next = Stopwatch.GetTimestamp();
            }
        }
    }

    private static async Task SettleAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var quiet = 3 * WardFeed.FlushEvery;
        var documents = new string[Wards.Count];
        var stableSince = Stopwatch.StartNew();
        var overall = Stopwatch.StartNew();
        while (stableSince.Elapsed < quiet && overall.Elapsed < GiveUpAfter)
        {
            for (var i = 0; i < Wards.Count; i++)
            {
                var document = (await grains.For<IWardGrain>(Wards[i]).GetOwnFiguresAsync(Query)).Document;
                if (document != documents[i])
                {
                    documents[i] = document;
                    stableSince.Restart();
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static long Micros(long from, long to) => (long)((to - from) * 1_000_000.0 / Stopwatch.Frequency);

    private static async Task<JsonObject> ReadAsync(IGrainFactory grains, string ward) =>
        JsonNode.Parse((await grains.For<IWardGrain>(ward).GetOwnFiguresAsync(Query)).Document)!.AsObject();

    private static int Count(JsonObject document, string path) =>
        path.Split('.').Aggregate((JsonNode?)document, (node, part) => node?[part])?.GetValue<int>() ?? 0;

    /// <summary>A fixed scramble of the event number, so which events are duplicated is the same on every run.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        return x ^ (x >> 33);
    }

    /// <summary>What the four probes measured; each probe runs one marker at a time, the lock covers the four.</summary>
    private sealed class ProbeStats
    {
        private readonly LongHistogram _freshness = Latencies.NewHistogram();
        private readonly LongHistogram _afterAck = Latencies.NewHistogram();
        private readonly LongHistogram _reads = Latencies.NewHistogram();
        private long _sent;
        private long _lost;

        public long Sent => Interlocked.Read(ref _sent);

        public long Lost => Interlocked.Read(ref _lost);

        public void MarkSent() => Interlocked.Increment(ref _sent);

        public void MarkLost() => Interlocked.Increment(ref _lost);

        public void RecordRead(long micros)
        {
            lock (_freshness)
            {
                _reads.RecordValue(Math.Clamp(micros, 1, _reads.HighestTrackableValue));
            }
        }

        public Latencies Reads() => Merge(_reads);

        public void Record(long sentToVisibleMicros, long ackToVisibleMicros)
        {
            lock (_freshness)
            {
                _freshness.RecordValue(Math.Clamp(sentToVisibleMicros, 1, _freshness.HighestTrackableValue));
                _afterAck.RecordValue(Math.Clamp(ackToVisibleMicros, 1, _afterAck.HighestTrackableValue));
            }
        }

        public Latencies Freshness() => Merge(_freshness);

        public Latencies AfterAck() => Merge(_afterAck);

        private Latencies Merge(LongHistogram histogram)
        {
            var latencies = new Latencies();
            lock (_freshness)
            {
                latencies.Add(histogram);
            }

            return latencies;
        }
    }

    private sealed record ReconciliationSummary(int Checked, int Differences, double Seconds, string? First);

    private sealed record StepResult(
        LoadOutcome Load, Latencies Freshness, Latencies AfterAck, Latencies Reads, long MarkersSent, long MarkersLost, long DuplicatesSent, double DrainMs, ReconciliationSummary? Reconciliation);

    /// <summary>A child in one ward that records the markers: drop-in sessions recorded by the maternity drop-in service.</summary>
    private sealed class Probe(string tag, string ward)
    {
        private int _next;

        public string Ward { get; } = ward;

        public string ChildId { get; } = $"{tag}-probe-{ward}";

        private string FamilyId => $"{tag}-probe-family-{Ward}";

        public ContactEvent Birth(DateTimeOffset now) => Parse(
            $"{{\"eventId\":\"{ChildId}-birth\",\"type\":\"birth-notified\",\"occurredAt\":\"{now.AddDays(-100):yyyy-MM-ddTHH:mm:ssZ}\",\"familyId\":\"{FamilyId}\",\"childId\":\"{ChildId}\",\"data\":{{\"dateOfBirth\":\"{now.AddDays(-100):yyyy-MM-dd}\",\"wardCode\":\"{Ward}\"}}}}",
            "service:midwifery",
            now);

        public ContactEvent Marker(DateTimeOffset now) => Parse(
            $"{{\"eventId\":\"{ChildId}-m{Interlocked.Increment(ref _next)}\",\"type\":\"session-attended\",\"occurredAt\":\"{now.AddSeconds(-1):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"familyId\":\"{FamilyId}\",\"childId\":\"{ChildId}\",\"data\":{{\"session\":\"{MarkerService}\"}}}}",
            "service:" + MarkerService,
            now);

        private static ContactEvent Parse(string json, string recordedBy, DateTimeOffset now)
        {
            using var document = JsonDocument.Parse(json);
            var result = EventCatalogue.Parse(document.RootElement, recordedBy, now, ProgrammeCalendar.QueensPark);
            return result.Event ?? throw new InvalidOperationException("probe event rejected: " + string.Join("; ", result.Errors.Select(e => e.Field + ": " + e.Message)));
        }
    }
}
