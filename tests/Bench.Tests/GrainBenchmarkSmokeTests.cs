using System.Text.Json;

namespace QpActors.Bench.Tests;

/// <summary>CI's seconds-long run of the harness: it must finish and write well-formed results. No speed is asserted.</summary>
public sealed class GrainBenchmarkSmokeTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("qp-bench-smoke-").FullName;

    [Fact]
    public async Task Grains_benchmark_on_sqlite_writes_json_and_markdown_with_positive_throughput()
    {
        using var output = new StringWriter();
        var exit = await BenchCommands.RunAsync(
            ["grains", "--store", "sqlite", "--children", "200", "--concurrency", "8", "--seconds", "2", "--warmup", "0.5", "--results", _results],
            output,
            _results);

        Assert.Equal(0, exit);
        var json = Assert.Single(Directory.GetFiles(_results, "grains-sqlite-*.json"));
        Assert.Single(Directory.GetFiles(_results, "grains-sqlite-*.md"));
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        Assert.Equal("grains-sqlite", root.GetProperty("benchmark").GetString());
        Assert.True(root.GetProperty("machine").GetProperty("processorCount").GetInt32() > 0);
        Assert.Equal("200", root.GetProperty("parameters").GetProperty("children").GetString());

        var figures = root.GetProperty("figures").EnumerateArray().ToList();
        var throughput = figures.Single(f => f.GetProperty("name").GetString()!.StartsWith("durable events/s", StringComparison.Ordinal));
        Assert.True(throughput.GetProperty("value").GetDouble() > 0, "no events were recorded");
        Assert.Equal(">= 10,000", throughput.GetProperty("target").GetString());
        Assert.True(throughput.TryGetProperty("holds", out var holds) && holds.ValueKind is JsonValueKind.True or JsonValueKind.False);
        var failures = figures.Single(f => f.GetProperty("name").GetString() == "events not accepted");
        Assert.Equal(0, failures.GetProperty("value").GetDouble());
        Assert.Contains("durable events/s", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_results, recursive: true);
}
