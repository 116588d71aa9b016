using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// Every batch of contributions a followed ward takes, as the figures it leaves: read inside the ward's own turn, right
/// after the batch and before anything else reaches the ward. A ward's figures change only when it takes a batch (or
/// reconciles, or reloads), so this sees every state they pass through, where reading from outside samples some.
/// </summary>
public sealed class WardBatches : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<string, Action<JsonObject>> _followed = new(StringComparer.Ordinal);

    /// <summary>Calls <paramref name="after"/> with the ward's figures after each batch it takes, until disposed.</summary>
    public IDisposable Follow(string ward, Action<JsonObject> after)
    {
        if (!_followed.TryAdd(ward, after))
        {
            throw new InvalidOperationException($"Ward {ward} is already followed.");
        }

        return new Unfollow(() => _followed.TryRemove(ward, out _));
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        if (_followed.IsEmpty || context.Grain is not IWardGrain ward || context.MethodName != nameof(IWardGrain.ApplyAsync) ||
            !_followed.TryGetValue(context.TargetId.Key.ToString()!, out var after))
        {
            return;
        }

        // The grain itself, not a reference to it: a call in this turn, not a message queued behind the next batch.
        after(Figures.Parse((await ward.GetOwnFiguresAsync(Figures.Default)).Document));
    }

    private sealed class Unfollow(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
