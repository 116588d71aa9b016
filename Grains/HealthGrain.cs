using Orleans.Concurrency;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// A stateless worker, so readiness probes are answered by whichever silo receives them without
/// funnelling through one activation.
/// </summary>
[StatelessWorker]
public sealed class HealthGrain(IEventJournal journal) : Grain, IHealthGrain
{
    public async Task<StorageHealth> CheckAsync()
    {
        try
        {
            var events = await journal.CountEventsAsync();
            return new StorageHealth(true, $"storage answers; {events} events journalled");
        }
        catch (Exception ex) when (ex is JournalUnavailableException or StoreFailedException or System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return new StorageHealth(false, ex.Message);
        }
    }
}
