using Orleans.Concurrency;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// Takes contributions from outside this silo's grains (or from code that only holds a grain factory) and
/// hands them to the silo's <see cref="WardFeed"/>. Grains on the silo call the feed directly.
/// </summary>
[StatelessWorker(1)]
public sealed class WardFeedGrain(WardFeed feed) : Grain, IWardFeedGrain
{
    public Task PublishAsync(WardContribution contribution)
    {
        feed.Publish(contribution);
        return Task.CompletedTask;
    }
}
