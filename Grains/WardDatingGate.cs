namespace QpActors.Grains;

/// <summary>
/// One per silo: the wards dating older family entries in the background (<see cref="WardGrain.DateUndatedFamiliesAsync"/>)
/// take turns through it, one ward's group of families at a time, so a silo holding many wards that activated with older
/// entries (a silo started after the upgrade) wakes at most <see cref="WardGrain.FamiliesDatedInFlight"/> families at
/// once for them, however many wards there are. A <c>changedSince</c> list does not wait for it: a person asked.
/// </summary>
public sealed class WardDatingGate : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Waits for the silo's turn; dispose the result to hand it on.</summary>
    public async Task<IDisposable> TakeTurnAsync()
    {
        await _turn.WaitAsync();
        return new Turn(_turn);
    }

    public void Dispose() => _turn.Dispose();

    private sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn.Release();
            }
        }
    }
}
