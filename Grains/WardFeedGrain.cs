using Orleans.Concurrency;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// One activation per silo (a stateless worker with a single local instance) gathers contributions from
/// the grains on that silo and forwards them to their wards in batches every few hundred milliseconds.
/// Only the newest version per entity is forwarded; if a flush is lost, the entity's next report (or the
/// ward's reload from the journal) repairs it, because contributions are whole values, not deltas.
/// </summary>
[StatelessWorker(1)]
public sealed class WardFeedGrain : Grain, IWardFeedGrain
{
    public static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(200);

    private Dictionary<string, WardContribution> _pending = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _timer = this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushEvery, FlushEvery) { Interleave = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        await FlushAsync(cancellationToken);
    }

    public Task PublishAsync(WardContribution contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        if (!_pending.TryGetValue(contribution.EntryKey, out var held) || held.Version <= contribution.Version)
        {
            _pending[contribution.EntryKey] = contribution;
        }

        return Task.CompletedTask;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = _pending;
        _pending = new Dictionary<string, WardContribution>(StringComparer.Ordinal);
        var sends = batch.Values
            .GroupBy(c => c.WardCode, StringComparer.Ordinal)
            .Select(g => GrainFactory.GetGrain<IWardGrain>(g.Key).ApplyAsync(g.ToArray()));
        await Task.WhenAll(sends);
    }
}
