using System.Collections.Concurrent;
using System.Diagnostics;
using QpActors.Grains.Interfaces;
using Xunit.Abstractions;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// Under concurrent load the ward's figures show every acknowledged event, exactly once, and never go
/// backwards. How fast is measured by <c>./qp bench freshness</c>, not here.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class FreshnessTests(SharedCluster shared, ITestOutputHelper output)
{
    [Fact]
    public async Task Figures_show_every_acknowledged_event_once_under_concurrent_load()
    {
        const int count = 2000;
        const string ward = "freshness-ward";
        var grains = shared.Cluster.Client;
        var events = new Events(shared.Cluster.Clock, "fresh");
        var today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);
        var births = Enumerable.Range(0, count).Select(i => events.Birth($"fresh-f{i}", $"fresh-c{i}", today.AddDays(-(i % 300) - 1), ward)).ToList();
        var clock = Stopwatch.StartNew();
        var acknowledged = new ConcurrentBag<double>();

        // The ward's figures after every batch it takes while the births arrive (the feed's timer flushes as it would
        // in production); the ward takes one batch at a time, so these are in the order it took them.
        var known = new List<int>();
        using var following = shared.Cluster.Batches.Follow(ward, figures => known.Add(Figures.Count(figures, "reach.known")));

        using var gate = new SemaphoreSlim(16);
        var sending = births.Select(async birth =>
        {
            await gate.WaitAsync();
            try
            {
                Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(grains, birth)).Status);
                acknowledged.Add(clock.Elapsed.TotalMilliseconds);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(sending);
        var sendSeconds = clock.Elapsed.TotalSeconds;
        await shared.Cluster.DrainAsync();
        var drained = clock.Elapsed.TotalMilliseconds;
        following.Dispose();

        Assert.Equal(count, acknowledged.Count);
        Assert.Equal(count, Figures.Count(await Figures.WardAsync(grains, ward), "reach.known"));
        Assert.Equal(count, known[^1]);

        // Whole contributions with versions: a batch may add children but never take any away.
        Assert.All(known.Zip(known.Skip(1)), pair => Assert.True(pair.Second >= pair.First, $"figures went from {pair.First} to {pair.Second} known"));
        output.WriteLine($"{count} births at {count / sendSeconds:F0} events/s acknowledged; the ward took {known.Count} batches; " +
            $"all delivered {drained - acknowledged.Max():F0} ms after the last acknowledgement");
    }
}
