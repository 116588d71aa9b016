namespace QpActors.Gateway.Application;

/// <summary>
/// Counts the live streams open (server-sent events and gRPC alike), per caller and in all. A stream holds a connection,
/// a subscriber's buffer and a share of a ward's poller for as long as its client keeps it, so without a count one caller
/// could hold as many as it cared to open. A stream beyond either limit is refused before it starts
/// (<see cref="OperationStatus.LimitReached"/>); a stream's place is given back when it ends, however it ends.
/// </summary>
public sealed class LiveStreamLimits
{
    private readonly Dictionary<string, Holder> _byCaller = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _open;

    public LiveStreamLimits(int maxPerCaller, int maxInAll)
    {
        if (maxPerCaller <= 0 || maxInAll <= 0)
        {
            throw new InvalidOperationException($"Api:MaxStreamsPerCaller and Api:MaxStreams must be positive, not {maxPerCaller} and {maxInAll}.");
        }

        MaxPerCaller = maxPerCaller;
        MaxInAll = maxInAll;
    }

    public int MaxPerCaller { get; }

    public int MaxInAll { get; }

    /// <summary>Streams open now, all callers together.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>A place for one more stream of this caller (dispose it when the stream ends), or why there is none.</summary>
    public OperationResult<IDisposable> TryOpen(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        lock (_gate)
        {
            _byCaller.TryGetValue(userId, out var holder);
            if ((holder?.Open ?? 0) >= MaxPerCaller)
            {
                return Refused($"You have {MaxPerCaller} live streams open, the most one caller may; close one before opening another.");
            }

            if (_open >= MaxInAll)
            {
                return Refused($"The gateway has {MaxInAll} live streams open, the most it holds; retry later.");
            }

            if (holder is null)
            {
                holder = new Holder();
                _byCaller[userId] = holder;
            }

            holder.Open++;
            _open++;
        }

        return OperationResult<IDisposable>.Ok(new Place(this, userId));
    }

    /// <summary>
    /// Completes once the caller has no stream open (at once if it has none), so a caller can wait for a stream's place to
    /// come back (the tests do, for a client that vanished) instead of polling <see cref="Open"/>.
    /// </summary>
    public Task WhenNoneOpenFor(string userId)
    {
        lock (_gate)
        {
            return _byCaller.TryGetValue(userId, out var holder)
                ? (holder.Closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
                : Task.CompletedTask;
        }
    }

    private static OperationResult<IDisposable> Refused(string detail) =>
        new(OperationStatus.LimitReached, null, detail, [], Hosting.ApiLimits.StreamRetryAfter);

    private void Release(string userId)
    {
        TaskCompletionSource? closed = null;
        lock (_gate)
        {
            _open--;
            var holder = _byCaller[userId];
            if (--holder.Open == 0)
            {
                _byCaller.Remove(userId);
                closed = holder.Closed;
            }
        }

        closed?.TrySetResult();
    }

    private sealed class Holder
    {
        public int Open { get; set; }

        public TaskCompletionSource? Closed { get; set; }
    }

    /// <summary>One stream's place; given back once, however many times the stream's ending disposes it.</summary>
    private sealed class Place(LiveStreamLimits limits, string userId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                limits.Release(userId);
            }
        }
    }
}

/// <summary>A live stream admitted under <see cref="LiveStreamLimits"/>: its updates, and its place, given back when disposed.</summary>
public sealed class LiveStream(IDisposable place) : IDisposable
{
    public IAsyncEnumerable<FeedUpdate> Updates { get; private set; } = AsyncEnumerable.Empty<FeedUpdate>();

    /// <summary>
    /// True once the updates ended because the token that opened the stream expired: the client needs a new token, not
    /// just a reconnect (gRPC says <c>Unauthenticated</c>; a browser's EventSource reconnects and is refused 401).
    /// </summary>
    public bool AccessExpired { get; internal set; }

    /// <summary>Set once, by the operation that opens the stream (the updates may mark the stream as they end).</summary>
    internal void Follow(IAsyncEnumerable<FeedUpdate> updates) => Updates = updates;

    public void Dispose() => place.Dispose();
}
