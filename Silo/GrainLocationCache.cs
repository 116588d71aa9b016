using BitFaster.Caching;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.GrainDirectory;

namespace QpActors.Silo;

public static class GrainLocationCacheSetup
{
    /// <summary>
    /// Gives the silo's grain directory a <see cref="GrainLocationCache"/>, sized and timed by
    /// <see cref="GrainDirectoryOptions"/>, in place of Orleans' own cache.
    /// </summary>
    public static ISiloBuilder UseGrainLocationCache(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Configure<GrainDirectoryOptions>(o => o.CachingStrategy = GrainDirectoryOptions.CachingStrategyType.Custom);
        silo.Services.AddSingleton<IGrainDirectoryCache>(sp => GrainLocationCache.From(sp.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value));
        return silo;
    }
}

/// <summary>
/// Where this silo last found each grain: the grain directory's cache, which every message to a grain consults
/// before it is sent. A bounded least-recently-used cache whose entries expire a fixed time after they were written,
/// as Orleans' own, on BitFaster.Caching's concurrent LRU.
/// </summary>
/// <remarks>
/// Why not Orleans' own (<see cref="GrainDirectoryOptions.CachingStrategyType.LRU"/>): it publishes its size as an
/// observable gauge, and counts it by walking every entry. The dashboard reads Orleans' gauges once a second, so a silo
/// holding 50,000 grains walked 50,000 entries every second: 2-5% of the co-hosted gateway's CPU in the benchmark's
/// write phases, growing with the number of grains (docs/benchmarks.md, nineteenth round). The application cannot
/// stop the dashboard reading that gauge; it can give the directory a cache that has none. Orleans takes it from the
/// services when <see cref="GrainDirectoryOptions.CachingStrategy"/> is <c>Custom</c>.
/// </remarks>
public sealed class GrainLocationCache : IGrainDirectoryCache
{
    private readonly ICache<GrainId, (GrainAddress Address, int Version)> entries;

    /// <param name="capacity">Most grains held; the least recently used go first.</param>
    /// <param name="timeToLive">How long an entry is trusted after it was written, before the directory is asked again.</param>
    public GrainLocationCache(int capacity, TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 3); // one slot in each of the LRU's three queues at least
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        entries = new ConcurrentLruBuilder<GrainId, (GrainAddress, int)>()
            .WithCapacity(capacity)
            .WithExpireAfterWrite(timeToLive)
            .Build();
    }

    /// <summary>The cache Orleans would have built from the same options: their size and time to live.</summary>
    public static GrainLocationCache From(GrainDirectoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new GrainLocationCache(options.CacheSize, options.MaximumCacheTTL);
    }

    public void AddOrUpdate(GrainAddress value, int version)
    {
        ArgumentNullException.ThrowIfNull(value);
        entries.AddOrUpdate(value.GrainId, (value, version));
    }

    public bool Remove(GrainId key) => entries.TryRemove(key);

    /// <summary>
    /// Removes the grain's entry only if it still places the grain on the same silo, so a stale address reported by
    /// one caller never evicts a newer location another caller has cached since.
    /// </summary>
    public bool Remove(GrainAddress key)
    {
        ArgumentNullException.ThrowIfNull(key);
        while (entries.TryGet(key.GrainId, out var cached))
        {
            if (!SameGrainAndSilo(cached.Address, key))
            {
                return false;
            }

            // Removes exactly the entry just read; if another caller replaced it meanwhile, look again.
            if (entries.TryRemove(new KeyValuePair<GrainId, (GrainAddress, int)>(key.GrainId, cached)))
            {
                return true;
            }
        }

        return false;
    }

    public void Clear() => entries.Clear();

    public bool LookUp(GrainId key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GrainAddress? result, out int version)
    {
        if (entries.TryGet(key, out var cached))
        {
            (result, version) = cached;
            return true;
        }

        result = null;
        version = 0;
        return false;
    }

    public IEnumerable<(GrainAddress ActivationAddress, int Version)> KeyValues
    {
        get
        {
            foreach (var entry in entries)
            {
                yield return entry.Value;
            }
        }
    }

    private static bool SameGrainAndSilo(GrainAddress cached, GrainAddress given) =>
        cached.GrainId.Equals(given.GrainId) && Equals(cached.SiloAddress, given.SiloAddress);
}
