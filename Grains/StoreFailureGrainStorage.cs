using Orleans.Storage;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Orleans' AdoNet grain storage (ward snapshots, a champion's loop) with the store's failures told as the journal tells
/// them (<see cref="StoreFailures"/>): a lock not had in time or the server away is <see cref="JournalUnavailableException"/>,
/// "retry shortly"; any other of the driver's is <see cref="StoreFailedException"/>. The AdoNet provider lets the driver's
/// exception go, and Orleans wraps it in an <c>OrleansException</c> as the inner, which has no codec: a ward activating
/// while its state could not be read answered a gateway in another process with <c>CodecNotFoundException</c>, and a
/// co-hosted one with a 500. A version conflict (<c>InconsistentStateException</c>) is not the store failing and passes as
/// it is.
/// </summary>
public sealed class StoreFailureGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        TellingAsync(inner.ReadStateAsync(stateName, grainId, grainState), "Grain state could not be read for the moment; retry.", "The store failed to read grain state.");

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        TellingAsync(inner.WriteStateAsync(stateName, grainId, grainState), "Grain state could not be written for the moment (it may have been); retry.", "The store refused a grain-state write.");

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        TellingAsync(inner.ClearStateAsync(stateName, grainId, grainState), "Grain state could not be cleared for the moment; retry.", "The store refused to clear grain state.");

    // The provider opens its connections and reads its queries as a silo lifecycle participant.
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    private static async Task TellingAsync(Task operation, string unavailable, string failed)
    {
        try
        {
            await operation;
        }
        catch (Exception ex) when (StoreFailures.Told(ex, unavailable, failed) is { } told)
        {
            throw told;
        }
    }
}
