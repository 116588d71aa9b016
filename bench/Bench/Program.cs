using QpActors.Bench;

// The benchmark harness: ./qp bench grains | memory | gateway | all [--quick]. Usage in docs/benchmarks.md.
try
{
    return await BenchCommands.RunAsync(args, Console.Out, ResultsFolder.Default());
}
catch (BenchUsageException ex)
{
    Console.Error.WriteLine("bench: " + ex.Message);
    Console.Error.WriteLine(BenchCommands.Usage);
    return 2;
}
