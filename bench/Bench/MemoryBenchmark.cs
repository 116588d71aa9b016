using System.Globalization;
using System.Runtime;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Bench;

public sealed record MemoryBenchmarkOptions
{
    public StorageKind Store { get; init; } = StorageKind.Sqlite;
    public int Children { get; init; } = 100_000;
    public int Concurrency { get; init; } = 64;
    public string? PostgresConnection { get; init; }
    public string CommandLine { get; init; } = "";

    /// <summary>Seconds to hold after the children are active, so a heap dump (dotnet-gcdump) can be taken.</summary>
    public double HoldSeconds { get; init; }

    public static MemoryBenchmarkOptions From(BenchArgs args, bool quick) => new()
    {
        Store = args.Store("memory-store"),
        Children = Math.Max(10, args.Int("children", quick ? 2_000 : 100_000)),
        Concurrency = Math.Max(1, args.Int("concurrency", 64)),
        HoldSeconds = args.Number("hold", 0),
        PostgresConnection = args.OptionalText("pg") ?? Environment.GetEnvironmentVariable(PostgresServer.Variable),
    };
}

/// <summary>
/// Memory per live child and per live family. Each child's typical history is first recorded through
/// the grains; then a fresh silo on the same store activates the children (rebuilt from the journal, as
/// after any restart) and then their families, with a full garbage collection before each reading.
/// </summary>
public static class MemoryBenchmark
{
    public static async Task<BenchResult> RunAsync(MemoryBenchmarkOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var machine = MachineInfo.Capture();
        var startedAt = DateTimeOffset.UtcNow;
        var figures = new List<Figure>();
        var notes = new List<string>();
        var children = options.Children;
        var scripts = new ChildScripts("m" + Guid.NewGuid().ToString("N")[..6], DateTimeOffset.UtcNow);
        var familyHeads = scripts.FamilyHeads(children).ToArray();

        await using var store = await BenchStore.CreateAsync(options.Store, options.PostgresConnection, cancellationToken);
        var total = (long)children * ChildScripts.Length;
        log.WriteLine($"recording {total:N0} events for {children:N0} children through the grains...");
        await using (var loader = await InProcessSilo.StartAsync(store.Target, new JournalKnobs(), profileJournal: false, cancellationToken))
        {
            var grains = loader.Grains;
            var (_, failed, seconds) = await Loader.RunAllAsync(total, options.Concurrency, async n =>
            {
                var child = (int)(n % children);
                var contact = scripts.Parse(child, n / children, DateTimeOffset.UtcNow);
                var receipt = await grains.For<IChildGrain>(contact.ChildId!).RecordAsync(contact);
                return receipt.Status == ReceiptStatus.Accepted ? 1 : 0;
            }, cancellationToken);
            figures.Add(Figure.Info("history recorded (parse + grains + commit)", total / seconds, "events/s"));
            if (failed > 0)
            {
                notes.Add($"{failed:N0} events were not accepted while recording");
            }
        }

        log.WriteLine("restarting the silo and activating the children...");
        await using var silo = await InProcessSilo.StartAsync(store.Target, new JournalKnobs(), profileJournal: false, cancellationToken);
        var baseline = Measure();
        var activation = await Loader.RunAllAsync(children, options.Concurrency, async n =>
        {
            var view = await silo.Grains.For<IChildGrain>(scripts.ChildId((int)n)).GetRiskAsync();
            return view.Version >= ChildScripts.Length ? 1 : 0;
        }, cancellationToken);
        var withChildren = Measure();
        if (options.HoldSeconds > 0)
        {
            log.WriteLine($"holding {options.HoldSeconds:0} s with the children active (process {Environment.ProcessId})...");
            await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), cancellationToken);
        }

        log.WriteLine($"activating {familyHeads.Length:N0} families...");
        var families = await Loader.RunAllAsync(familyHeads.Length, options.Concurrency, async n =>
        {
            var status = await silo.Grains.For<IFamilyGrain>(scripts.FamilyId(familyHeads[n])).GetRiskStatusAsync();
            return status.Children.Count > 0 ? 1 : 0;
        }, cancellationToken);
        var withFamilies = Measure();

        // The floor under the target: a child with no events costs the activation itself and empty state.
        var empties = Math.Min(children, 20_000);
        log.WriteLine($"activating {empties:N0} children that have no events...");
        await Loader.RunAllAsync(empties, options.Concurrency, async n =>
        {
            var view = await silo.Grains.For<IChildGrain>(scripts.RunTag + "-empty-" + n).GetRiskAsync();
            return view.Version == 0 ? 1 : 0;
        }, cancellationToken);
        var withEmpties = Measure();

        var perChild = (withChildren.Managed - baseline.Managed) / (double)children;
        var perFamily = (withFamilies.Managed - withChildren.Managed) / (double)familyHeads.Length;
        figures.Add(Figure.AtMost("managed heap per live child", perChild, "bytes", Targets.BytesPerChild));
        figures.Add(Figure.Info("managed heap per child with no events (activation floor)", (withEmpties.Managed - withFamilies.Managed) / (double)empties, "bytes"));
        figures.Add(Figure.Info("working set per live child", (withChildren.WorkingSet - baseline.WorkingSet) / (double)children, "bytes"));
        figures.Add(Figure.Info("managed heap per live family", perFamily, "bytes", $"{children / (double)familyHeads.Length:0.00} children each"));
        figures.Add(Figure.Info("working set per live family", (withFamilies.WorkingSet - withChildren.WorkingSet) / (double)familyHeads.Length, "bytes"));
        figures.Add(Figure.Info("managed heap per child incl. its family's share", (withFamilies.Managed - baseline.Managed) / (double)children, "bytes"));
        figures.Add(Figure.Info("child activations from storage", children / activation.Seconds, "activations/s"));
        figures.Add(Figure.Info("family activations from storage", familyHeads.Length / families.Seconds, "activations/s"));
        figures.Add(Figure.Info("managed heap, baseline silo", baseline.Managed / 1048576.0, "MB"));
        if (activation.Failed + families.Failed > 0)
        {
            notes.Add($"{activation.Failed + families.Failed:N0} activations did not show the recorded history");
        }

        notes.Add("GC: " + (GCSettings.IsServerGC ? "server" : "workstation") + ", readings after GC.Collect(2, forced, compacting) x2; the process working set includes the runtime's own pools and may lag the heap");
        return GrainBenchmark.Finish("memory", options.CommandLine, startedAt, machine, new Dictionary<string, string>
        {
            ["store"] = options.Store == StorageKind.Postgres ? "postgres" : "sqlite",
            ["children"] = children.ToString(CultureInfo.InvariantCulture),
            ["families"] = familyHeads.Length.ToString(CultureInfo.InvariantCulture),
            ["eventsPerChild"] = ChildScripts.Length.ToString(CultureInfo.InvariantCulture),
            ["concurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
        }, figures, notes);
    }

    private static (long Managed, long WorkingSet) Measure()
    {
        for (var i = 0; i < 2; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return (GC.GetTotalMemory(forceFullCollection: true), Environment.WorkingSet);
    }
}
