using Microsoft.Extensions.Logging;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// The silo's pre-aggregator for ward figures: grains on this silo hand it their current contribution with a
/// plain method call, and it forwards the newest version per entity to the wards every
/// <see cref="FlushEvery"/>. No grain sits on the path of every event, and reporting costs no message per event, only
/// one per ward per flush. If a flush is lost, the entity's next report (or the ward's reload from the
/// journal) repairs it, because contributions are whole values, not deltas.
/// </summary>
/// <remarks>
/// <para>
/// A singleton service rather than a grain: a stateless worker grain would still cost a message (and its
/// scheduling) for every contribution, the largest share of a contact event's work after the journal.
/// </para>
/// <para>
/// An entity that moves ward is reported to the ward it left as well, with its new contribution (which names the new
/// ward): the ward it left lets go of it then, rather than at its next reconciliation.
/// </para>
/// </remarks>
public sealed class WardFeed : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>
    /// How long a contribution may wait for its ward. At 50 ms instead of 200 ms, ward figures under load were fresher
    /// (freshness p99 363-383 ms in three full gateway runs, against 628 ms before), and a collection found fewer
    /// contributions still waiting here, so promoted 17% fewer bytes (docs/benchmarks.md, twelfth round); the gen0 pause
    /// itself did not shorten measurably. A flush is one call per ward with a batch: cheap at this rate.
    /// </summary>
    public static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private int _tickedWhileFlushing;
    private readonly Func<string, WardContribution[], Task> _apply;
    private readonly ILogger _logger;
    private Dictionary<string, WardContribution> _pending = new(StringComparer.Ordinal);

    // Contributions for the wards their entities left: rare, so kept apart from the path of every report.
    private List<(string Ward, WardContribution Contribution)>? _departures;
    private ITimer? _timer;

    public WardFeed(IGrainFactory grains, ILogger<WardFeed> logger)
        : this((ward, batch) => grains.For<IWardGrain>(ward).ApplyAsync(batch), logger)
    {
    }

    /// <summary>A feed that hands each ward's batch to <paramref name="apply"/> rather than to the ward grain (tests).</summary>
    internal WardFeed(Func<string, WardContribution[], Task> apply, ILogger logger)
    {
        _apply = apply;
        _logger = logger;
    }

    /// <summary>
    /// Keeps the newest version per entity until the next flush; when <paramref name="leftWard"/> names another ward
    /// than the contribution's, that ward is sent the contribution too, so it lets go of the entity.
    /// </summary>
    public void Publish(WardContribution contribution, string? leftWard = null)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        lock (_gate)
        {
            if (!_pending.TryGetValue(contribution.EntryKey, out var held) || held.Version <= contribution.Version)
            {
                _pending[contribution.EntryKey] = contribution;
            }

            if (leftWard is not null && !string.Equals(leftWard, contribution.WardCode, StringComparison.Ordinal))
            {
                (_departures ??= []).Add((leftWard, contribution));
            }
        }
    }

    /// <summary>Sends what is pending now; overlapping flushes wait for each other, so wards see versions in order.</summary>
    public async Task FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            await SendPendingAsync();
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task SendPendingAsync()
    {
        Dictionary<string, WardContribution> batch;
        List<(string Ward, WardContribution Contribution)>? departures;
        lock (_gate)
        {
            if (_pending.Count == 0 && _departures is null)
            {
                return;
            }

            batch = _pending;
            _pending = new Dictionary<string, WardContribution>(StringComparer.Ordinal);
            departures = _departures;
            _departures = null;
        }

        // A ward takes each entity's reports by version whatever their order, so a departure may share a batch with
        // the entity's return.
        var byWard = batch.Values.Select(c => (Ward: c.WardCode, Contribution: c));
        await Task.WhenAll((departures is null ? byWard : byWard.Concat(departures))
            .GroupBy(d => d.Ward, d => d.Contribution, StringComparer.Ordinal)
            .Select(g => _apply(g.Key, g.ToArray())));
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(WardFeed), ServiceLifecycleStage.Active, Start, Stop);
    }

    private Task Start(CancellationToken cancellationToken)
    {
        _timer = TimeProvider.System.CreateTimer(_ => _ = FlushOnTimerAsync(), null, FlushEvery, FlushEvery);
        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        await FlushQuietlyAsync();
    }

    /// <summary>
    /// What the timer does every <see cref="FlushEvery"/>: a flush, unless one is still running. A slow ward holds a flush
    /// up to Orleans' response timeout (30 s by default), and ticks waiting behind it would pile up by the hundred. A tick
    /// that finds a flush running leaves word instead, and that flush sends again as soon as it ends: under load, when a
    /// flush takes longer than the interval, contributions still go out back to back rather than waiting for the next
    /// tick (the longer one waits, the likelier a collection finds it alive and promotes it).
    /// </summary>
    internal async Task FlushOnTimerAsync()
    {
        try
        {
            if (!_flushing.Wait(0))
            {
                Volatile.Write(ref _tickedWhileFlushing, 1);
                return;
            }

            try
            {
                do
                {
                    await SendPendingAsync();
                }
                while (Interlocked.Exchange(ref _tickedWhileFlushing, 0) == 1);
            }
            finally
            {
                _flushing.Release();
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogFailure(error);
        }
    }

    private async Task FlushQuietlyAsync()
    {
        try
        {
            await FlushAsync();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogFailure(error);
        }
    }

    // Contributions are whole values: the entity's next report, or the ward's reload, repairs a lost flush.
    private void LogFailure(Exception error) => _logger.LogWarning(error, "Ward feed flush failed; wards catch up on the next report");

    public void Dispose()
    {
        _timer?.Dispose();
        _flushing.Dispose();
    }
}
