using System.Collections.Concurrent;

namespace QpActors.Domain;

/// <summary>
/// One shared copy of short values that repeat across many children: service and centre ids, session
/// names, vaccines, ward codes. Each event read from the journal or the wire brings its own copy of such
/// text; a live child keeps a dozen of them, so sharing them is a large part of keeping a child small.
/// </summary>
/// <remarks>
/// Bounded, so that free text sent by a client cannot grow it without limit: past the limit values are
/// kept as given, which costs memory, never correctness.
/// </remarks>
public static class SharedText
{
    public const int MaxValues = 16_384;
    public const int MaxLength = 64;

    private static readonly ConcurrentDictionary<string, string> Values = new(StringComparer.Ordinal);

    public static string Share(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > MaxLength)
        {
            return value;
        }

        if (Values.TryGetValue(value, out var shared))
        {
            return shared;
        }

        return Values.Count < MaxValues ? Values.GetOrAdd(value, value) : value;
    }

    public static string? ShareOrNull(string? value) => value is null ? null : Share(value);
}
