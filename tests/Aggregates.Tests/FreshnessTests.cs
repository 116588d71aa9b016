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
        var visible = new List<(double At, int Known)>();
        using var done = new CancellationTokenSource();

        var poller = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var figures = await grains.GetGrain<IWardGrain>(ward).GetOwnFiguresAsync(Figures.Default).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
                if (figures is not null)
                {
                    visible.Add((clock.Elapsed.TotalMilliseconds, Figures.Count(Figures.Parse(figures.Document), "reach.known")));
                    if (visible[^1].Known >= count)
                    {
                        return;
                    }
                }

                await Task.Delay(10);
            }
        });

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
        await poller.WaitAsync(TimeSpan.FromSeconds(20));
        await done.CancelAsync();

        Assert.Equal(count, acknowledged.Count);
        Assert.Equal(count, visible[^1].Known);

        // Whole contributions with versions: a flush may add children but never take any away.
        Assert.All(visible.Zip(visible.Skip(1)), pair => Assert.True(pair.Second.Known >= pair.First.Known, $"figures went from {pair.First.Known} to {pair.Second.Known} known"));
        output.WriteLine($"{count} births at {count / sendSeconds:F0} events/s acknowledged; all visible {visible[^1].At - acknowledged.Max():F0} ms after the last acknowledgement");
    }
}
