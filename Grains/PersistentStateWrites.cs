namespace QpActors.Grains;

/// <summary>Grain state writes that leave nothing in memory that storage does not hold.</summary>
internal static class PersistentStateWrites
{
    /// <summary>
    /// Writes <paramref name="state"/>, which already holds a change: Orleans writes the state object itself. If the
    /// write fails, <paramref name="undo"/> takes the change back and the state is read again: a failed write may still
    /// have committed with its reply lost, and only a read brings back what storage holds with its current ETag, without
    /// which every later write would be refused as a conflict.
    /// </summary>
    public static async Task WriteOrUndoAsync<T>(this IPersistentState<T> state, Action undo)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            undo();
            try
            {
                await state.ReadStateAsync();
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // Storage is unreachable: the undone state stands. Had the write committed, the next write is refused
                // on its ETag and reads again.
            }

            throw;
        }
    }
}
