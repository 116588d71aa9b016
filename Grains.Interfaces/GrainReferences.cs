using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace QpActors.Grains.Interfaces;

/// <summary>
/// Grain references for the hot paths, in the gateway and between grains. Orleans 10's
/// <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> resolves the interface's grain type on every call (it
/// formats the interface's type name and parses it again): about 5% of the gateway's CPU per risk read
/// and 6% of the silo's allocations per contact event (docs/benchmarks.md). The answer never changes
/// for a factory, so it is resolved once per factory and interface.
/// </summary>
public static class GrainReferences
{
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)>> Resolved = [];

    public static T For<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        var types = Resolved.GetValue(grains, _ => new());
        if (!types.TryGetValue(typeof(T), out var known))
        {
            // The first call goes the ordinary way, and its reference says what it resolved to.
            var first = grains.GetGrain<T>(key);
            var reference = (GrainReference)(object)first;
            types.TryAdd(typeof(T), (reference.GrainId.Type, reference.InterfaceType));
            return first;
        }

        return (T)grains.GetGrain(GrainId.Create(known.Grain, key), known.Interface);
    }
}
