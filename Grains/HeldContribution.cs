using System.Text;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// A ward's copy of one entity's latest contribution, as UTF-8 in a buffer the ward owns and overwrites with each
/// newer version.
/// </summary>
/// <remarks>
/// Wards live long and every contact event replaces one or two contributions. Holding the arriving string itself
/// would keep it alive until the entity's next version, long enough for the garbage collector to copy it into the
/// old generation, where it then dies: measured, that was the largest share of what the gateway's collections
/// promoted while recording contacts. Copying into a buffer that is already old lets the arriving string die young,
/// and a byte buffer holds no references, so overwriting it gives the collector nothing new to trace.
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
        var needed = Encoding.UTF8.GetByteCount(contribution.Payload);
        if (needed > _utf8.Length)
        {
            // Some room to grow: a payload's dates and counts lengthen it a little over an entity's life.
            _utf8 = new byte[needed + (needed / 8)];
        }

        _length = Encoding.UTF8.GetBytes(contribution.Payload, _utf8);
        Version = contribution.Version;
    }

    /// <summary>Whether <paramref name="payload"/> is the JSON held here, character for character.</summary>
    /// <remarks>Only for a repeated version or a reconciliation, so the one-off encoding is no concern.</remarks>
    public bool Holds(string payload) => Payload.SequenceEqual(Encoding.UTF8.GetBytes(payload));

    public WardContribution ToContribution(string entryKey, string wardCode) =>
        new(entryKey, wardCode, Kind, Version, Encoding.UTF8.GetString(Payload));
}
