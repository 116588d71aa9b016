using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace QpActors.Gateway.Application;

/// <summary>What a live stream follows: a kind of update (<see cref="FeedKinds"/>) in one ward.</summary>
public sealed record FeedTopic(string Kind, string Ward);

public static class FeedKinds
{
    /// <summary>Families' risk levels in a ward (early intervention).</summary>
    public const string Risk = "risk";

    /// <summary>A ward's published figures (commission).</summary>
    public const string Figures = "figures";
}

/// <summary>
/// One update on a stream. <c>Id</c> is opaque to clients (send it back as Last-Event-ID to resume);
/// <c>Kind</c> is <c>snapshot</c> (everything now, after a fresh connect), the topic's change kind or its removal kind;
/// <c>Data</c> is a JSON object; <c>Keys</c> the topic keys of the items it carries (on a risk stream, family ids), so
/// whoever hands it on knows what it names without reading its JSON.
/// </summary>
public sealed record FeedUpdate(string Id, string Kind, string Data, IReadOnlyList<string>? Keys = null);

/// <summary>The current state of a topic: item key to its JSON and a fingerprint that changes only when the item does.</summary>
public sealed record FeedItem(string Json, string Fingerprint);

/// <summary>What a stream sends when an item leaves its topic: the update kind and a JSON object naming the item.</summary>
public sealed record FeedRemoval(string Kind, string Json);

/// <summary>Reads a topic's current state from the cluster; the feed turns successive reads into changes.</summary>
public interface IUpdateSource
{
    /// <summary>The update kind sent for a changed item, e.g. <c>risk-changed</c>.</summary>
    string ChangeKindOf(FeedTopic topic);

    /// <summary>
    /// What is sent when a read no longer holds <paramref name="key"/> (a family moved ward), e.g. <c>risk-removed</c>;
    /// null sends nothing, and only snapshots taken after the read lack the item.
    /// </summary>
    FeedRemoval? RemovalOf(FeedTopic topic, string key);

    Task<IReadOnlyDictionary<string, FeedItem>> ReadAsync(FeedTopic topic, CancellationToken cancellationToken);
}

/// <summary>Live updates for streaming endpoints, resumable by the id of the last update seen.</summary>
public interface IUpdateFeed
{
    /// <summary>
    /// Updates for a topic until <paramref name="cancellationToken"/> fires (the client went away) or the
    /// subscriber falls too far behind (it reconnects and resumes). Starts with the updates after
    /// <paramref name="lastEventId"/> when they are still held, else with a snapshot.
    /// </summary>
    IAsyncEnumerable<FeedUpdate> SubscribeAsync(FeedTopic topic, string? lastEventId, CancellationToken cancellationToken);
}

public sealed class UpdateFeedOptions
{
    /// <summary>How often each followed topic is read from the cluster.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Updates kept per topic for resuming clients.</summary>
    public int ReplayCapacity { get; set; } = 1024;

    /// <summary>Updates a slow subscriber may have pending before it is cut off (it then resumes).</summary>
    public int SubscriberCapacity { get; set; } = 256;

    /// <summary>
    /// How long a topic's poller goes on after its last subscriber leaves, so a client that lost its only connection and
    /// reconnects within it resumes from its last id with what it missed rather than a snapshot. Zero stops it at once.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The most topics a gateway keeps polling with no subscriber; one more ends the linger of the one that has waited
    /// longest (its clients then reconnect to a snapshot). Each lingering poller still reads its ward every poll.
    /// </summary>
    public int MaxLingeringTopics { get; set; } = 64;
}

/// <summary>
/// The interim live-update design: one poller per followed topic (shared by all its subscribers) reads
/// the ward grain every <see cref="UpdateFeedOptions.PollInterval"/> and publishes what changed. When a topic's last
/// subscriber leaves, its poller lingers for <see cref="UpdateFeedOptions.Linger"/> (at most
/// <see cref="UpdateFeedOptions.MaxLingeringTopics"/> at once), still reading, so a phone that reconnects within it
/// resumes from its last id; after that the topic has no poller, so vanished clients leave nothing running. A grain
/// observer on the ward grain would replace the polling without changing this interface.
/// </summary>
public sealed class PollingUpdateFeed(IUpdateSource source, TimeProvider time, UpdateFeedOptions options, ILogger<PollingUpdateFeed> logger) : IUpdateFeed, IAsyncDisposable
{
    private readonly Dictionary<FeedTopic, TopicPoller> _pollers = [];

    // The pollers with no subscriber, the one that has lingered longest first: the first to go past the bound.
    private readonly LinkedList<TopicPoller> _lingering = new();

    // Pollers let go of whose loops may still be ending, so disposing (and tests) can wait for them.
    private readonly List<Task> _stopping = [];
    private readonly Lock _gate = new();

    /// <summary>Topics with a running poller, followed or lingering; tests read it to see that vanished clients leave none behind.</summary>
    public int ActiveTopics
    {
        get
        {
            lock (_gate)
            {
                return _pollers.Count;
            }
        }
    }

    /// <summary>Topics whose poller runs with no subscriber, waiting for a reconnect.</summary>
    public int LingeringTopics
    {
        get
        {
            lock (_gate)
            {
                return _lingering.Count;
            }
        }
    }

    /// <summary>Returns once every poller let go of so far has stopped reading.</summary>
    public Task WhenStoppedAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_stopping);
        }
    }

    public async IAsyncEnumerable<FeedUpdate> SubscribeAsync(FeedTopic topic, string? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var poller = Acquire(topic);
        try
        {
            await poller.Ready.WaitAsync(cancellationToken);
            var channel = Channel.CreateBounded<FeedUpdate>(new BoundedChannelOptions(options.SubscriberCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            var first = poller.Join(channel, lastEventId);
            try
            {
                foreach (var update in first)
                {
                    yield return update;
                }

                await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken))
                {
                    yield return update;
                }
            }
            finally
            {
                poller.Leave(channel);
            }
        }
        finally
        {
            await ReleaseAsync(topic, poller);
        }
    }

    public async ValueTask DisposeAsync()
    {
        TopicPoller[] pollers;
        lock (_gate)
        {
            pollers = [.. _pollers.Values];
            _pollers.Clear();
            foreach (var poller in _lingering)
            {
                poller.EndLinger();
            }

            _lingering.Clear();
        }

        foreach (var poller in pollers)
        {
            await poller.StopAsync();
        }

        await WhenStoppedAsync();
    }

    private TopicPoller Acquire(FeedTopic topic)
    {
        lock (_gate)
        {
            if (!_pollers.TryGetValue(topic, out var poller))
            {
                poller = new TopicPoller(topic, source, time, options, logger);
                _pollers[topic] = poller;
                poller.Start();
            }
            else if (poller.Lingering is { } waiting)
            {
                // A client back within the linger: the poller, its epoch and its replay buffer carry on.
                _lingering.Remove(waiting);
                poller.EndLinger();
            }

            poller.Subscribers++;
            return poller;
        }
    }

    private async Task ReleaseAsync(FeedTopic topic, TopicPoller poller)
    {
        TopicPoller? stop = null;
        lock (_gate)
        {
            poller.Subscribers--;
            if (poller.Subscribers == 0 && _pollers.TryGetValue(topic, out var current) && ReferenceEquals(current, poller))
            {
                if (options.Linger <= TimeSpan.Zero || options.MaxLingeringTopics <= 0)
                {
                    _pollers.Remove(topic);
                    stop = poller;
                }
                else
                {
                    if (_lingering.Count >= options.MaxLingeringTopics)
                    {
                        // The bound: the poller that has waited longest goes now rather than at the end of its linger.
                        var oldest = _lingering.First!.Value;
                        _lingering.RemoveFirst();
                        oldest.EndLinger();
                        _pollers.Remove(oldest.Topic);
                        Stopping(oldest);
                    }

                    var generation = poller.BeginLinger(_lingering.AddLast(poller));
                    poller.LingerTimer = time.CreateTimer(_ => LingerEnded(poller, generation), null, options.Linger, Timeout.InfiniteTimeSpan);
                }
            }
        }

        if (stop is not null)
        {
            await stop.StopAsync();
        }
    }

    /// <summary>The linger of <paramref name="poller"/> is over: unless a subscriber came back meanwhile, it stops.</summary>
    private void LingerEnded(TopicPoller poller, long generation)
    {
        lock (_gate)
        {
            // A subscriber that came back (and perhaps left again, starting a new linger) makes this timer's end stale.
            if (poller.Lingering is not { } waiting || poller.LingerGeneration != generation
                || !_pollers.TryGetValue(poller.Topic, out var current) || !ReferenceEquals(current, poller))
            {
                return;
            }

            _lingering.Remove(waiting);
            poller.EndLinger();
            _pollers.Remove(poller.Topic);
            Stopping(poller);
        }
    }

    /// <summary>Stops a poller let go of without waiting for its loop to end, keeping its stop for whoever waits. Under the lock.</summary>
    private void Stopping(TopicPoller poller)
    {
        _stopping.RemoveAll(t => t.IsCompleted);
        _stopping.Add(poller.StopAsync());
    }

    private sealed class TopicPoller(FeedTopic topic, IUpdateSource source, TimeProvider time, UpdateFeedOptions options, ILogger logger)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
        private readonly LinkedList<(long Sequence, FeedUpdate Update)> _replay = new();
        private readonly List<Channel<FeedUpdate>> _subscribers = [];

        // Ids carry the poller's epoch: after a gateway restart (or a new poller) old ids are unknown
        // and the client starts again from a snapshot rather than missing changes silently.
        private readonly string _epoch = Guid.NewGuid().ToString("N")[..8];
        private IReadOnlyDictionary<string, FeedItem> _state = new Dictionary<string, FeedItem>();
        private long _sequence;
        private Task _loop = Task.CompletedTask;

        public FeedTopic Topic => topic;

        /// <summary>Guarded by the feed's lock.</summary>
        public int Subscribers { get; set; }

        /// <summary>Its place among the feed's lingering pollers while it has no subscriber; null otherwise. Guarded by the feed's lock.</summary>
        public LinkedListNode<TopicPoller>? Lingering { get; private set; }

        /// <summary>Counts lingers, so the end of one the poller has since left is told from the current one's. Guarded by the feed's lock.</summary>
        public long LingerGeneration { get; private set; }

        /// <summary>Ends the current linger. Guarded by the feed's lock.</summary>
        public ITimer? LingerTimer { get; set; }

        public long BeginLinger(LinkedListNode<TopicPoller> place)
        {
            Lingering = place;
            return ++LingerGeneration;
        }

        public void EndLinger()
        {
            Lingering = null;
            LingerTimer?.Dispose();
            LingerTimer = null;
        }

        public Task Ready => _ready.Task;

        public void Start() => _loop = Task.Run(RunAsync);

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        /// <summary>Registers a subscriber and returns what it must see first, atomically with publishing.</summary>
        public IReadOnlyList<FeedUpdate> Join(Channel<FeedUpdate> channel, string? lastEventId)
        {
            lock (_gate)
            {
                _subscribers.Add(channel);
                if (TryParseId(lastEventId, out var seen)
                    && (_replay.Count == 0 ? seen == _sequence : seen >= _replay.First!.Value.Sequence - 1)
                    && seen <= _sequence)
                {
                    return _replay.Where(r => r.Sequence > seen).Select(r => r.Update).ToArray();
                }

                return [Snapshot()];
            }
        }

        public void Leave(Channel<FeedUpdate> channel)
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }

        private async Task RunAsync()
        {
            var token = _stop.Token;
            using var timer = new PeriodicTimer(options.PollInterval, time);
            try
            {
                await PollAsync(token);
                while (await timer.WaitForNextTickAsync(token))
                {
                    await PollAsync(token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                _ready.TrySetCanceled(token);
            }
        }

        private async Task PollAsync(CancellationToken token)
        {
            IReadOnlyDictionary<string, FeedItem> next;
            try
            {
                next = await source.ReadAsync(topic, token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // Keep the last known state: the next poll catches up and a cluster blip ends no stream.
                // Before a first good read subscribers keep waiting: an empty snapshot would be a lie.
                logger.LogWarning(ex, "Reading {Kind} for ward {Ward} failed; retrying at the next poll", topic.Kind, topic.Ward);
                return;
            }

            lock (_gate)
            {
                // The first good read is the baseline: everything in it is the snapshot, not a change.
                if (_ready.Task.IsCompleted)
                {
                    PublishChanges(next);
                }

                _state = next;
            }

            _ready.TrySetResult();
        }

        /// <summary>Items new or changed since the last read, then items gone from it. Under the lock.</summary>
        private void PublishChanges(IReadOnlyDictionary<string, FeedItem> next)
        {
            var changeKind = source.ChangeKindOf(topic);
            foreach (var (key, item) in next.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!_state.TryGetValue(key, out var before) || before.Fingerprint != item.Fingerprint)
                {
                    Publish(changeKind, key, item.Json);
                }
            }

            foreach (var key in _state.Keys.Where(k => !next.ContainsKey(k)).Order(StringComparer.Ordinal))
            {
                if (source.RemovalOf(topic, key) is { } removal)
                {
                    Publish(removal.Kind, key, removal.Json);
                }
            }
        }

        private void Publish(string kind, string key, string json)
        {
            _sequence++;
            var update = new FeedUpdate(IdOf(_sequence), kind, json, [key]);
            _replay.AddLast((_sequence, update));
            if (_replay.Count > options.ReplayCapacity)
            {
                _replay.RemoveFirst();
            }

            foreach (var subscriber in _subscribers)
            {
                // A subscriber that cannot keep up is ended; it resumes from its last id or a snapshot.
                if (!subscriber.Writer.TryWrite(update))
                {
                    subscriber.Writer.TryComplete();
                }
            }
        }

        private FeedUpdate Snapshot()
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("kind", topic.Kind);
                writer.WriteString("ward", topic.Ward);
                writer.WriteStartArray("items");
                foreach (var (_, item) in _state.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteRawValue(item.Json, skipInputValidation: true);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            return new FeedUpdate(IdOf(_sequence), "snapshot", Encoding.UTF8.GetString(buffer.ToArray()), _state.Keys.Order(StringComparer.Ordinal).ToArray());
        }

        private string IdOf(long sequence) => _epoch + "." + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private bool TryParseId(string? id, out long sequence)
        {
            sequence = 0;
            if (string.IsNullOrEmpty(id))
            {
                return false;
            }

            var dot = id.IndexOf('.', StringComparison.Ordinal);
            return dot > 0
                && id.AsSpan(0, dot).SequenceEqual(_epoch)
                && long.TryParse(id.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence);
        }
    }
}
