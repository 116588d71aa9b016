using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace QpActors.Gateway.Application;

/// <summary>
/// Grain references for the hot paths. <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> resolves the
/// interface's grain type from its attributes on every call, about 5% of the gateway's CPU per risk
/// read (docs/benchmarks.md); the answer never changes for a client, so it is resolved once per factory.
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
