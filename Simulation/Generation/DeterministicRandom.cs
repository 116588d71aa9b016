namespace QpActors.Simulation.Generation;

/// <summary>
/// SplitMix64: tiny, fast and fully determined by its seed, so any child's life can be replayed from
/// (seed, ward, child, purpose) without keeping state between the calls.
/// </summary>
internal struct DeterministicRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public static DeterministicRandom For(ulong streamKey, long entity, long purpose) =>
        new(Mix(Mix(streamKey + (ulong)entity) ^ (((ulong)purpose + 1) * Golden)));

    public static ulong Mix(ulong z)
    {
        z += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a: unlike string.GetHashCode it is the same in every process.</summary>
    public static ulong StableHash(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        return hash;
    }

    public ulong NextUInt64()
    {
        _state += Golden;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public int Next(int minInclusive, int maxExclusive) =>
        maxExclusive <= minInclusive ? minInclusive : minInclusive + (int)(NextDouble() * (maxExclusive - minInclusive));

    public long NextLong(long minInclusive, long maxExclusive) =>
        maxExclusive <= minInclusive ? minInclusive : minInclusive + (long)(NextDouble() * (maxExclusive - minInclusive));

    public bool Chance(double probability) => NextDouble() < probability;

    public double LogUniform(double min, double max) => min * Math.Exp(NextDouble() * Math.Log(max / min));

    public double Exponential(double mean) => -mean * Math.Log(1 - NextDouble());

    /// <summary>Knuth's method; the means used here are small.</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 30)
        {
            // Normal approximation keeps large means cheap.
            var u1 = 1 - NextDouble();
            var u2 = NextDouble();
            var gauss = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * gauss)));
        }

        var limit = Math.Exp(-mean);
        var product = NextDouble();
        var count = 0;
        while (product > limit)
        {
            count++;
            product *= NextDouble();
        }

        return count;
    }

    public static double Frac(double x) => x - Math.Floor(x);
}
