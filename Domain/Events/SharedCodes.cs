using System.Collections.Concurrent;

namespace QpActors.Domain.Events;

/// <summary>
/// One string instance for each distinct code that events carry: ward, service, session and recorder ids.
/// </summary>
/// <remarks>
/// Parsing gives every event its own copies of the same few words, and the states that keep them (a family's
/// sessions and history, a child's contacts) keep one copy per event. Those copies live as long as the state,
/// so the garbage collector copies each of them into an older generation; shared, there is nothing to copy.
/// Codes come from configuration and frontline tokens, so there are few of them; past <see cref="Limit"/>
/// distinct values (something other than codes arriving) a value is returned as it came.
/// </remarks>
public static class SharedCodes
{
    public const int Limit = 16_384;

    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.Ordinal);

    // Counted here because ConcurrentDictionary.Count takes every lock, which a parse past the limit would then pay each time.
    private static int count;

    /// <summary>The shared instance equal to <paramref name="code"/>.</summary>
    public static string Share(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (Known.TryGetValue(code, out var shared))
        {
            return shared;
        }

        if (Volatile.Read(ref count) >= Limit)
        {
            return code;
        }

        shared = Known.GetOrAdd(code, code);
        if (ReferenceEquals(shared, code))
        {
            Interlocked.Increment(ref count);
        }

        return shared;
    }
}
