using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using QpActors.Gateway.Application;

namespace QpActors.Gateway.Tests;

/// <summary>The interim live-update feed on its own: a fake source and fake time, no cluster.</summary>
public sealed class UpdateFeedTests
{
    private static readonly FeedTopic Topic = new(FeedKinds.Risk, "queens-park");
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Linger = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_new_subscriber_gets_a_snapshot_then_each_change_after_a_poll()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("snapshot", updates.Current.Kind);
        Assert.Contains("f-1", updates.Current.Data, StringComparison.Ordinal);

        source.Set("f-2", 3.0);
        source.Set("f-1", 1.0);
        time.Advance(Interval);

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("risk-changed", updates.Current.Kind);
        Assert.Equal("f-2", JsonDocument.Parse(updates.Current.Data).RootElement.GetProperty("familyId").GetString());
    }

    [Fact]
    public async Task A_reconnecting_subscriber_resumes_after_its_last_event_id()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        // A first subscriber keeps the topic alive while the second comes and goes.
        await using var keeper = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await keeper.MoveNextAsync());

        string lastSeen;
        using (var first = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await using var client = feed.SubscribeAsync(Topic, null, first.Token).GetAsyncEnumerator(first.Token);
            Assert.True(await client.MoveNextAsync());
            source.Set("f-1", 2.0);
            time.Advance(Interval);
            Assert.True(await client.MoveNextAsync());
            lastSeen = client.Current.Id;
        }

        // While it is away two more families change.
        source.Set("f-2", 5.0);
        time.Advance(Interval);
        Assert.True(await keeper.MoveNextAsync());
        Assert.True(await keeper.MoveNextAsync());
        source.Set("f-3", 7.0);
        time.Advance(Interval);
        Assert.True(await keeper.MoveNextAsync());

        await using var resumed = feed.SubscribeAsync(Topic, lastSeen, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Equal("risk-changed", resumed.Current.Kind);
        Assert.Contains("f-2", resumed.Current.Data, StringComparison.Ordinal);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Contains("f-3", resumed.Current.Data, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-id")]
    [InlineData("deadbeef.3")]
    [InlineData("deadbeef.x")]
    public async Task An_unknown_last_event_id_starts_from_a_snapshot(string lastEventId)
    {
        var (feed, source, _) = Create();
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = feed.SubscribeAsync(Topic, lastEventId, cancel.Token).GetAsyncEnumerator(cancel.Token);

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("snapshot", updates.Current.Kind);
    }

    [Fact]
    public async Task When_the_last_subscriber_leaves_the_topic_is_read_until_its_linger_ends_and_then_no_more()
    {
        var (feed, source, time) = Create();
        await using var _ = feed;
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await using var updates = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
            Assert.True(await updates.MoveNextAsync());
            Assert.Equal(1, feed.ActiveTopics);
        }

        // Lingering: still read, so a client back within the linger finds what it missed.
        Assert.Equal((1, 1), (feed.ActiveTopics, feed.LingeringTopics));
        time.Advance(Interval);
        await source.WaitForReadsAsync(2, CancellationToken.None);

        time.Advance(Linger - Interval);
        Assert.Equal((0, 0), (feed.ActiveTopics, feed.LingeringTopics));
        await feed.WhenStoppedAsync();
        var reads = source.Reads;
        time.Advance(Interval * 5);
        Assert.Equal(reads, source.Reads);
    }

    [Fact]
    public async Task A_client_that_reconnects_within_the_linger_resumes_with_exactly_the_updates_it_missed()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        // The only subscriber: a phone that sees a change, then loses its connection.
        string lastSeen;
        await using (var phone = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token))
        {
            Assert.True(await phone.MoveNextAsync());
            source.Set("f-1", 2.0);
            time.Advance(Interval);
            Assert.True(await phone.MoveNextAsync());
            lastSeen = phone.Current.Id;
        }

        // While it is away two families change, a poll each.
        source.Set("f-2", 5.0);
        time.Advance(Interval);
        await source.WaitForReadsAsync(3, cancel.Token);
        source.Set("f-3", 7.0);
        time.Advance(Interval);
        await source.WaitForReadsAsync(4, cancel.Token);

        await using var resumed = feed.SubscribeAsync(Topic, lastSeen, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await resumed.MoveNextAsync());
        var first = resumed.Current;
        Assert.True(await resumed.MoveNextAsync());
        var second = resumed.Current;

        Assert.Equal(("risk-changed", "f-2", NextId(lastSeen, 1)), (first.Kind, FamilyOf(first), first.Id));
        Assert.Equal(("risk-changed", "f-3", NextId(lastSeen, 2)), (second.Kind, FamilyOf(second), second.Id));
        Assert.Equal((1, 0), (feed.ActiveTopics, feed.LingeringTopics));
    }

    [Fact]
    public async Task After_the_linger_an_old_id_starts_from_a_snapshot()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var lastSeen = await FirstUpdateThenLeaveAsync(feed, Topic, cancel.Token);

        time.Advance(Linger);
        source.Set("f-2", 2.0);

        await using var back = feed.SubscribeAsync(Topic, lastSeen, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await back.MoveNextAsync());
        Assert.Equal(["f-1", "f-2"], SnapshotFamilies(back.Current));
    }

    [Fact]
    public async Task A_subscriber_back_within_the_linger_restarts_it_when_it_leaves_again()
    {
        var (feed, _, time) = Create();
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var visit = 0; visit < 2; visit++)
        {
            await FirstUpdateThenLeaveAsync(feed, Topic, cancel.Token);
            time.Advance(Linger / 2);
        }

        // A linger from the second leaving, not the first: half of it is still to run.
        Assert.Equal(1, feed.LingeringTopics);
        time.Advance(Linger / 2);
        Assert.Equal(0, feed.ActiveTopics);
    }

    [Fact]
    public async Task Lingering_topics_are_bounded_and_the_one_waiting_longest_stops_first()
    {
        var (feed, source, _) = Create(maxLingeringTopics: 1);
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var first = new FeedTopic(FeedKinds.Risk, "harrow-road");
        var second = new FeedTopic(FeedKinds.Risk, "westbourne");
        var lastSeen = new Dictionary<FeedTopic, string>();
        foreach (var topic in new[] { first, second })
        {
            lastSeen[topic] = await FirstUpdateThenLeaveAsync(feed, topic, cancel.Token);
        }

        Assert.Equal((1, 1), (feed.ActiveTopics, feed.LingeringTopics));
        await feed.WhenStoppedAsync();
        await using var stopped = feed.SubscribeAsync(first, lastSeen[first], cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await stopped.MoveNextAsync());
        Assert.Equal("snapshot", stopped.Current.Kind);
        Assert.NotEqual(lastSeen[first], stopped.Current.Id);

        // The second still lingers with its epoch: a resume there gets nothing again (no change), not a snapshot.
        await using var lingering = feed.SubscribeAsync(second, lastSeen[second], cancel.Token).GetAsyncEnumerator(cancel.Token);
        var next = lingering.MoveNextAsync().AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task With_no_linger_the_last_subscriber_leaving_stops_the_topic_at_once()
    {
        var (feed, _, _) = Create(linger: TimeSpan.Zero);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await FirstUpdateThenLeaveAsync(feed, Topic, cancel.Token);

        Assert.Equal((0, 0), (feed.ActiveTopics, feed.LingeringTopics));
    }

    /// <summary>A phone that follows <paramref name="topic"/> only until its first update arrives; that update's id.</summary>
    private static async Task<string> FirstUpdateThenLeaveAsync(PollingUpdateFeed feed, FeedTopic topic, CancellationToken ct)
    {
        await using var phone = feed.SubscribeAsync(topic, null, ct).GetAsyncEnumerator(ct);
        Assert.True(await phone.MoveNextAsync());
        return phone.Current.Id;
    }

    [Fact]
    public async Task A_cancelled_client_ends_its_stream_and_releases_the_topic()
    {
        var (feed, _, _) = Create();
        await using var _ = feed;
        using var cancel = new CancellationTokenSource();
        var updates = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await updates.MoveNextAsync());
        var waiting = updates.MoveNextAsync().AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await updates.DisposeAsync();
        Assert.Equal(1, feed.LingeringTopics);
    }

    [Fact]
    public async Task A_failing_read_keeps_the_stream_open_and_the_next_read_catches_up()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await updates.MoveNextAsync());

        source.FailNext = true;
        source.Set("f-1", 4.0);
        time.Advance(Interval);
        await source.WaitForReadsAsync(2, cancel.Token);
        time.Advance(Interval);

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("risk-changed", updates.Current.Kind);
        Assert.Contains("4", updates.Current.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_family_that_leaves_the_topic_is_sent_as_removed_and_is_gone_from_later_snapshots()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        source.Set("f-2", 2.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await updates.MoveNextAsync());

        source.Remove("f-2");
        time.Advance(Interval);

        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("risk-removed", updates.Current.Kind);
        Assert.Equal("f-2", JsonDocument.Parse(updates.Current.Data).RootElement.GetProperty("familyId").GetString());

        // A change after the removal comes next: the removal is sent once, not at every poll.
        source.Set("f-1", 3.0);
        time.Advance(Interval);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("risk-changed", updates.Current.Kind);
        Assert.Equal("f-1", JsonDocument.Parse(updates.Current.Data).RootElement.GetProperty("familyId").GetString());

        await using var late = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await late.MoveNextAsync());
        Assert.Equal(["f-1"], SnapshotFamilies(late.Current));
    }

    [Fact]
    public async Task When_the_first_read_fails_the_first_good_read_is_the_snapshot_not_a_burst_of_changes()
    {
        var (feed, source, time) = Create();
        source.Set("f-1", 1.0);
        source.Set("f-2", 2.0);
        source.FailNext = true;
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var first = updates.MoveNextAsync().AsTask();

        await source.WaitForReadsAsync(1, cancel.Token);
        time.Advance(Interval);

        Assert.True(await first);
        Assert.Equal("snapshot", updates.Current.Kind);
        Assert.Equal(["f-1", "f-2"], SnapshotFamilies(updates.Current));

        // The next update is the next change, not the snapshot's families again as changes.
        source.Set("f-3", 3.0);
        time.Advance(Interval);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("risk-changed", updates.Current.Kind);
        Assert.Equal("f-3", JsonDocument.Parse(updates.Current.Data).RootElement.GetProperty("familyId").GetString());
    }

    [Fact]
    public async Task A_subscriber_that_falls_behind_gets_what_it_holds_then_its_stream_ends_and_it_resumes_from_its_last_id()
    {
        var (feed, source, time) = Create(subscriberCapacity: 2);
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var keeper = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await keeper.MoveNextAsync());
        await using var slow = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await slow.MoveNextAsync());

        // Three changes, a poll each, while the slow subscriber reads nothing: its buffer holds two.
        foreach (var score in new[] { 2.0, 3.0, 4.0 })
        {
            source.Set("f-1", score);
            time.Advance(Interval);
            Assert.True(await keeper.MoveNextAsync());
        }

        Assert.True(await slow.MoveNextAsync());
        Assert.True(await slow.MoveNextAsync());
        Assert.Contains("3", slow.Current.Data, StringComparison.Ordinal);
        var lastSeen = slow.Current.Id;
        Assert.False(await slow.MoveNextAsync());
        Assert.Equal(1, feed.ActiveTopics);

        await using var resumed = feed.SubscribeAsync(Topic, lastSeen, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Equal("risk-changed", resumed.Current.Kind);
        Assert.Contains("4", resumed.Current.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_last_event_id_older_than_the_updates_kept_starts_from_a_snapshot()
    {
        var (feed, source, time) = Create(replayCapacity: 2);
        source.Set("f-1", 1.0);
        await using var _ = feed;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var keeper = feed.SubscribeAsync(Topic, null, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await keeper.MoveNextAsync());
        var snapshotId = keeper.Current.Id;
        foreach (var score in new[] { 2.0, 3.0, 4.0 })
        {
            source.Set("f-1", score);
            time.Advance(Interval);
            Assert.True(await keeper.MoveNextAsync());
        }

        await using var resumed = feed.SubscribeAsync(Topic, snapshotId, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Equal("snapshot", resumed.Current.Kind);
        Assert.Contains("4", resumed.Current.Data, StringComparison.Ordinal);
        Assert.Equal(keeper.Current.Id, resumed.Current.Id);
    }

    private static string[] SnapshotFamilies(FeedUpdate snapshot)
    {
        Assert.Equal("snapshot", snapshot.Kind);
        return JsonDocument.Parse(snapshot.Data).RootElement.GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("familyId").GetString()!)
            .ToArray();
    }

    private static string FamilyOf(FeedUpdate update) =>
        JsonDocument.Parse(update.Data).RootElement.GetProperty("familyId").GetString()!;

    /// <summary>The id <paramref name="after"/> updates after <paramref name="id"/> on the same poller (its epoch, then its sequence).</summary>
    private static string NextId(string id, int after)
    {
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return id[..(dot + 1)] + (long.Parse(id[(dot + 1)..], System.Globalization.CultureInfo.InvariantCulture) + after).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (PollingUpdateFeed Feed, FakeSource Source, FakeTimeProvider Time) Create(
        int replayCapacity = 1024, int subscriberCapacity = 256, TimeSpan? linger = null, int maxLingeringTopics = 64)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        var source = new FakeSource();
        var options = new UpdateFeedOptions
        {
            PollInterval = Interval,
            ReplayCapacity = replayCapacity,
            SubscriberCapacity = subscriberCapacity,
            Linger = linger ?? Linger,
            MaxLingeringTopics = maxLingeringTopics,
        };
        var feed = new PollingUpdateFeed(source, time, options, NullLogger<PollingUpdateFeed>.Instance);
        return (feed, source, time);
    }

    private sealed class FakeSource : IUpdateSource
    {
        private readonly Dictionary<string, double> _scores = [];
        private readonly Lock _gate = new();
        private readonly SemaphoreSlim _readSignal = new(0);
        private int _reads;

        public bool FailNext { get; set; }

        public int Reads => Volatile.Read(ref _reads);

        /// <summary>Waits until the feed has read at least <paramref name="total"/> times (whether or not the read failed).</summary>
        public async Task WaitForReadsAsync(int total, CancellationToken cancellationToken)
        {
            while (Reads < total)
            {
                await _readSignal.WaitAsync(cancellationToken);
            }
        }

        public void Set(string familyId, double score)
        {
            lock (_gate)
            {
                _scores[familyId] = score;
            }
        }

        public void Remove(string familyId)
        {
            lock (_gate)
            {
                _scores.Remove(familyId);
            }
        }

        public string ChangeKindOf(FeedTopic topic) => "risk-changed";

        public FeedRemoval? RemovalOf(FeedTopic topic, string key) => new("risk-removed", JsonSerializer.Serialize(new { familyId = key }));

        public Task<IReadOnlyDictionary<string, FeedItem>> ReadAsync(FeedTopic topic, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            _readSignal.Release();
            if (FailNext)
            {
                FailNext = false;
                throw new TimeoutException("the cluster did not answer");
            }

            lock (_gate)
            {
                IReadOnlyDictionary<string, FeedItem> items = _scores.ToDictionary(
                    p => p.Key,
                    p => new FeedItem(JsonSerializer.Serialize(new { familyId = p.Key, score = p.Value }), p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return Task.FromResult(items);
            }
        }
    }
}
