using Microsoft.Extensions.Logging.Abstractions;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>The silo's ward feed, against a ward that answers only when the test says so.</summary>
public sealed class WardFeedTests
{
    [Fact]
    public async Task Timer_ticks_while_a_flush_waits_for_a_slow_ward_skip_rather_than_queue_behind_it()
    {
        var ward = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<string>();
        using var feed = new WardFeed(
            (_, batch) =>
            {
                sent.AddRange(batch.Select(c => c.EntryKey));
                return ward.Task;
            },
            NullLogger.Instance);

        feed.Publish(Contribution("child:a"));
        var running = feed.FlushOnTimerAsync();
        Assert.False(running.IsCompleted);

        feed.Publish(Contribution("child:b"));
        var ticks = Enumerable.Range(0, 100).Select(_ => feed.FlushOnTimerAsync()).ToArray();
        Assert.All(ticks, tick => Assert.True(tick.IsCompletedSuccessfully));

        // An awaited flush (the silo stopping) still waits its turn.
        var flushing = feed.FlushAsync();
        Assert.False(flushing.IsCompleted);
        ward.SetResult();

        // The skipped ticks left word: the running flush sends what arrived meanwhile as soon as it ends.
        await running;
        Assert.Equal(["child:a", "child:b"], sent);
        await flushing;
        Assert.Equal(["child:a", "child:b"], sent);
    }

    private static WardContribution Contribution(string key) => new(key, "queens-park", ContributionKind.Child, 1, "{}"u8.ToArray());
}
