using QpActors.Simulation.Client;
using QpActors.Simulation.Security;

namespace QpActors.Cli.Posting;

/// <summary>Counts of the gateway's answers, safe to update from concurrent batches.</summary>
internal sealed class PostTally
{
    private long _accepted;
    private long _duplicate;
    private long _rejected;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Duplicate => Interlocked.Read(ref _duplicate);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Total => Accepted + Duplicate + Rejected;

    public void Count(ContactReceipt receipt)
    {
        switch (receipt.Status)
        {
            case ContactReceipt.Accepted:
                Interlocked.Increment(ref _accepted);
                break;
            case ContactReceipt.Duplicate:
                Interlocked.Increment(ref _duplicate);
                break;
            default:
                Interlocked.Increment(ref _rejected);
                break;
        }
    }
}

/// <summary>
/// Posts events in batches per recorder, because the gateway takes the recorder from the caller's token:
/// one frontline token per service or champion. Several batches fly at once; all pending batches are
/// flushed together now and then, so events reach the gateway roughly in the order they were sent.
/// </summary>
internal sealed class ContactPoster<TTag>
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    private readonly QpClient _client;
    private readonly DevSigningKey _key;
    private readonly int _batchSize;
    private readonly Action<TTag, ContactReceipt>? _onReceipt;
    private readonly CancellationToken _cancellation;
    private readonly SemaphoreSlim _slots;
    private readonly Dictionary<string, List<(string Json, string EventId, TTag Tag)>> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly List<Task> _inFlight = [];
    private int _pendingCount;
    private Exception? _failure;

    public ContactPoster(QpClient client, DevSigningKey key, int batchSize, int parallel, Action<TTag, ContactReceipt>? onReceipt, CancellationToken cancellation)
    {
        _client = client;
        _key = key;
        _batchSize = batchSize;
        _onReceipt = onReceipt;
        _cancellation = cancellation;
        _slots = new SemaphoreSlim(parallel, parallel);
    }

    public PostTally Tally { get; } = new();

    public long Posted { get; private set; }

    public async Task AddAsync(string recordedBy, string json, string eventId, TTag tag)
    {
        ThrowIfFailed();
        if (!_pending.TryGetValue(recordedBy, out var batch))
        {
            batch = new List<(string, string, TTag)>(_batchSize);
            _pending[recordedBy] = batch;
        }

        batch.Add((json, eventId, tag));
        _pendingCount++;
        if (batch.Count >= _batchSize)
        {
            await DispatchAsync(recordedBy, batch).ConfigureAwait(false);
        }

        if (_pendingCount >= _batchSize * 8)
        {
            await DispatchAllAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Posts whatever is pending and waits for every batch to be answered.</summary>
    public async Task FlushAsync()
    {
        await DispatchAllAsync().ConfigureAwait(false);
        await Task.WhenAll(_inFlight).ConfigureAwait(false);
        _inFlight.Clear();
        ThrowIfFailed();
    }

    private async Task DispatchAllAsync()
    {
        foreach (var (recorder, batch) in _pending.ToArray())
        {
            if (batch.Count > 0)
            {
                await DispatchAsync(recorder, batch).ConfigureAwait(false);
            }
        }
    }

    private async Task DispatchAsync(string recordedBy, List<(string Json, string EventId, TTag Tag)> batch)
    {
        var items = batch.ToArray();
        batch.Clear();
        _pendingCount -= items.Length;
        Posted += items.Length;
        if (!_tokens.TryGetValue(recordedBy, out var token))
        {
            token = DevTokens.ForRecorder(_key, recordedBy, TokenLifetime);
            _tokens[recordedBy] = token;
        }

        await _slots.WaitAsync(_cancellation).ConfigureAwait(false);
        ThrowIfFailed();
        _inFlight.RemoveAll(t => t.IsCompleted);
        _inFlight.Add(PostAsync(items, token));
    }

    private async Task PostAsync((string Json, string EventId, TTag Tag)[] items, string token)
    {
        try
        {
            var receipts = await _client.PostRawBatchAsync(items.Select(i => i.Json).ToArray(), token, _cancellation).ConfigureAwait(false);
            // Receipts come in the order of the events; a phone's resend can sit in the same batch as the
            // original (accepted, then duplicate), so match by position and only fall back to the id.
            var inOrder = receipts.Count == items.Length && receipts.Select(r => r.EventId).SequenceEqual(items.Select(i => i.EventId));
            var byId = new Dictionary<string, ContactReceipt>(StringComparer.Ordinal);
            foreach (var receipt in receipts)
            {
                byId.TryAdd(receipt.EventId, receipt);
            }

            for (var i = 0; i < items.Length; i++)
            {
                var item = items[i];
                var receipt = (inOrder ? receipts[i] : byId.GetValueOrDefault(item.EventId))
                    ?? new ContactReceipt(item.EventId, ContactReceipt.Rejected, null, [new FieldError("", "no receipt returned for this event")]);
                Tally.Count(receipt);
                _onReceipt?.Invoke(item.Tag, receipt);
            }
        }
        catch (Exception ex) when (ex is QpGatewayException or OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
        }
        finally
        {
            _slots.Release();
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure is OperationCanceledException ? new OperationCanceledException(failure.Message, failure) : failure;
        }
    }
}
