using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// A copy of an entity's latest contribution, as UTF-8 in a buffer its holder owns and overwrites with each newer
/// version: a ward's copy of each of its entities', and a family's copy of the one it last published.
/// </summary>
/// <remarks>
/// Wards and families live long and every contact event replaces a contribution. Holding the arriving string itself
/// would keep it alive until the entity's next version, long enough for the garbage collector to copy it into the
/// old generation, where it then dies: measured, the ward's copies were the largest share of what the gateway's
/// collections promoted while recording contacts. Copying into a buffer that is already old lets the arriving payload
/// die young, and a byte buffer holds no references, so overwriting it gives the collector nothing new to trace.
/// </remarks>
internal sealed class HeldContribution
{
    private byte[] _utf8;
    private int _length;

    public HeldContribution(WardContribution contribution)
    {
        Kind = contribution.Kind;
        _utf8 = [];
        Replace(contribution);
    }

    public ContributionKind Kind { get; }

    public long Version { get; private set; }

    /// <summary>The payload's JSON as UTF-8; valid until the next <see cref="Replace"/>.</summary>
    public ReadOnlySpan<byte> Payload => _utf8.AsSpan(0, _length);

    /// <summary>Takes the contribution's version and payload, reusing the buffer when it is large enough.</summary>
    public void Replace(WardContribution contribution)
    {
        var payload = contribution.Payload;
        if (payload.Length > _utf8.Length)
        {
            // Some room to grow: a payload's dates and counts lengthen it a little over an entity's life.
            _utf8 = new byte[payload.Length + (payload.Length / 8)];
        }

        payload.CopyTo(_utf8, 0);
        _length = payload.Length;
        Version = contribution.Version;
    }

    /// <summary>Whether <paramref name="payload"/> is the JSON held here, byte for byte.</summary>
    public bool Holds(ReadOnlySpan<byte> payload) => payload.SequenceEqual(Payload);

    public WardContribution ToContribution(string entryKey, string wardCode) =>
        new(entryKey, wardCode, Kind, Version, Payload.ToArray());
}
