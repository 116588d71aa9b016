using System.Collections.Concurrent;
using System.Diagnostics;
using QpActors.Grains.Interfaces;
using Xunit.Abstractions;

namespace QpActors.Aggregates.Tests;

/// <summary>How long after an event is acknowledged the ward's figures show it, under sustained load.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class FreshnessTests(SharedCluster shared, ITestOutputHelper output)
{
    [Fact]
    public async Task Figures_show_acknowledged_events_within_a_second_under_load()
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

        // The k-th acknowledgement is visible once the ward shows at least k children: a count-based measure that
        // ignores which child is which, fair because every event adds exactly one child.
        var acks = acknowledged.Order().ToList();
        var latencies = acks.Select((at, k) => visible.First(v => v.Known >= k + 1).At - at).Select(l => Math.Max(l, 0)).Order().ToList();
        var p50 = latencies[(int)(latencies.Count * 0.50)];
        var p99 = latencies[(int)(latencies.Count * 0.99)];
        var message = $"freshness over {count} births: {count / sendSeconds:F0} events/s acknowledged, acknowledgement-to-visible p50 {p50:F0} ms, p99 {p99:F0} ms, max {latencies[^1]:F0} ms";
        output.WriteLine(message);
        Console.WriteLine(message);
        Assert.True(p99 < 3000, message);
    }
}
