using System.Buffers;
using System.Text;
using System.Text.Unicode;
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
/// collections promoted while recording contacts. Copying into a buffer that is already old lets the arriving string
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
        // One pass over the payload in the usual case, where it fits the buffer of the version it replaces.
        if (!Encoding.UTF8.TryGetBytes(contribution.Payload, _utf8, out _length))
        {
            // Some room to grow: a payload's dates and counts lengthen it a little over an entity's life.
            var needed = Encoding.UTF8.GetByteCount(contribution.Payload);
            _utf8 = new byte[needed + (needed / 8)];
            _length = Encoding.UTF8.GetBytes(contribution.Payload, _utf8);
        }

        Version = contribution.Version;
    }

    /// <summary>Whether <paramref name="payload"/> is the JSON held here, character for character.</summary>
    /// <remarks>Encodes the payload a stack buffer at a time, comparing as it goes: nothing is allocated.</remarks>
    public bool Holds(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var held = Payload;
        var rest = payload.AsSpan();
        Span<byte> chunk = stackalloc byte[512];
        OperationStatus status;
        do
        {
            // Whole characters only: a surrogate pair that does not fit waits for the next chunk.
            status = Utf8.FromUtf16(rest, chunk, out var read, out var written);
            if (written > held.Length || !chunk[..written].SequenceEqual(held[..written]))
            {
                return false;
            }

            held = held[written..];
            rest = rest[read..];
        }
        while (status == OperationStatus.DestinationTooSmall);

        return held.IsEmpty;
    }

    public WardContribution ToContribution(string entryKey, string wardCode) =>
        new(entryKey, wardCode, Kind, Version, Encoding.UTF8.GetString(Payload));
}
