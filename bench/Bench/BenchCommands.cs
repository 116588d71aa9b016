using QpActors.Persistence;

namespace QpActors.Bench;

/// <summary>Turns a command line into benchmark runs, prints each table and saves each result.</summary>
public static class BenchCommands
{
    public const string Usage = """
        usage: ./qp bench COMMAND [options]
          grains  --store sqlite|postgres --children N --concurrency C --seconds S [--warmup S]
                  [--journal-flushers N --journal-batch N --journal-queue N] [--no-pgbench] [--no-profile] [--alloc-profile]
          memory  --children N [--memory-store sqlite|postgres] [--concurrency C] [--hold S (time for dotnet-gcdump)]
          gateway --store sqlite|postgres --mode http|grpc|batch|risk|all --concurrency C --seconds S [--rate R]
          freshness [--store sqlite|postgres] [--rate R[,R...]] [--seconds S] [--warmup S] [--children N]
                  [--probe-every MS] [--poll MS] [--duplicates SHARE] [--max-outstanding N] [--no-reconcile]
          all     [--quick]   every benchmark (PostgreSQL ones when --pg or QP_TEST_POSTGRES is set)
        common: --pg CONNECTION (else QP_TEST_POSTGRES), --results DIR (default bench/results)
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> argv, TextWriter output, string defaultResults, CancellationToken cancellationToken = default)
    {
        var args = BenchArgs.Parse(argv);
        var commandLine = BenchArgs.Describe(argv);
        var results = args.Text("results", defaultResults);
        var quick = args.Flag("quick");
        var runs = new List<Func<Task<BenchResult>>>();
        switch (args.Command)
        {
            case "grains":
                {
                    var options = GrainBenchmarkOptions.From(args, quick) with { CommandLine = commandLine };
                    runs.Add(() => GrainBenchmark.RunAsync(options, output, cancellationToken));
                    break;
                }

            case "memory":
                {
                    var options = MemoryBenchmarkOptions.From(args, quick) with { CommandLine = commandLine };
                    runs.Add(() => MemoryBenchmark.RunAsync(options, output, cancellationToken));
                    break;
                }

            case "gateway":
                {
                    var options = GatewayBenchmarkOptions.From(args, quick) with { CommandLine = commandLine };
                    runs.Add(() => GatewayBenchmark.RunAsync(options, output, cancellationToken));
                    break;
                }

            case "freshness":
                {
                    var options = FreshnessBenchmarkOptions.From(args, quick) with { CommandLine = commandLine };
                    runs.Add(() => FreshnessBenchmark.RunAsync(options, output, cancellationToken));
                    break;
                }

            case "all":
                runs.AddRange(All(args, quick, commandLine, output, cancellationToken));
                break;

            case "help" or "-h" or "--help":
                output.WriteLine(Usage);
                return 0;

            default:
                throw new BenchUsageException($"unknown command '{args.Command}'");
        }

        args.RejectUnknown();
        var missed = 0;
        foreach (var run in runs)
        {
            var result = await run();
            output.WriteLine();
            output.Write(result.ToConsoleTable());
            var path = result.Save(results);
            output.WriteLine($"  saved {path} (+ .md)");
            missed += result.Figures.Count(f => f.Holds == false);
        }

        output.WriteLine(missed == 0 ? "bench: every target held" : $"bench: {missed} target(s) missed");
        return 0;
    }

    private static IEnumerable<Func<Task<BenchResult>>> All(BenchArgs args, bool quick, string commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var pg = args.OptionalText("pg") ?? Environment.GetEnvironmentVariable(PostgresServer.Variable);
        var stores = string.IsNullOrWhiteSpace(pg) ? new[] { StorageKind.Sqlite } : [StorageKind.Sqlite, StorageKind.Postgres];
        var grains = GrainBenchmarkOptions.From(args, quick) with { CommandLine = commandLine, PostgresConnection = pg };
        var memory = MemoryBenchmarkOptions.From(args, quick) with { CommandLine = commandLine, PostgresConnection = pg };
        var gateway = GatewayBenchmarkOptions.From(args, quick) with { CommandLine = commandLine, PostgresConnection = pg };
        foreach (var store in stores)
        {
            yield return () => GrainBenchmark.RunAsync(grains with { Store = store }, output, cancellationToken);
        }

        yield return () => MemoryBenchmark.RunAsync(memory, output, cancellationToken);
        if (GatewayBenchmark.BinariesExist(out var why))
        {
            foreach (var store in stores)
            {
                yield return () => GatewayBenchmark.RunAsync(gateway with { Store = store }, output, cancellationToken);
            }
        }
        else
        {
            output.WriteLine("bench: skipping the gateway benchmark: " + why);
        }
    }
}
