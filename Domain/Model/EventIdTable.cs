using System.Runtime.InteropServices;
using System.Text;

namespace QpActors.Domain.Model;

/// <summary>
/// One child's event ids, each once, in the order they arrived, packed into a single byte array; a
/// record names its event by the id's position (a byte offset) in the table.
/// </summary>
/// <remarks>
/// <para>
/// Why: a child keeps every event id (the idempotence check, and the explanations name the events
/// behind each factor). As .NET strings twenty ids cost about 1.3 KB (a header and two bytes a
/// character each, plus the list that holds them); packed here they cost about 400 bytes.
/// </para>
/// <para>
/// Entries are only ever appended, so a position never changes and records never need renumbering.
/// The order of the table therefore depends on arrival order: anything that must not (equality, the
/// canonical form, ties between events at the same instant) compares the ids themselves.
/// </para>
/// <para>
/// Each entry is a length prefix (7 bits a byte) holding <c>byteCount * 2 + wide</c>, then the id:
/// one byte a character when the id is ASCII (every id the catalogue accepts), else its UTF-16 code
/// units, so any string is kept exactly and compares ordinally like the string itself.
/// </para>
/// </remarks>
public readonly struct EventIdTable
{
    private readonly byte[]? _bytes;

    private EventIdTable(byte[] bytes) => _bytes = bytes;

    private ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The position of <paramref name="eventId"/>, or -1 when it is not in the table.</summary>
    public int Find(string eventId)
    {
        var bytes = Bytes;
        var at = 0;
        while (at < bytes.Length)
        {
            var start = at;
            var (length, wide) = ReadPrefix(bytes, ref at);
            if (Matches(bytes.Slice(at, length), wide, eventId))
            {
                return start;
            }

            at += length;
        }

        return -1;
    }

    /// <summary>The table with <paramref name="eventId"/> appended, and its position.</summary>
    public EventIdTable Add(string eventId, out int position)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        var wide = !Ascii.IsValid(eventId);
        var length = wide ? eventId.Length * 2 : eventId.Length;
        var prefix = (length * 2) + (wide ? 1 : 0);
        var old = Bytes;
        var grown = new byte[old.Length + PrefixSize(prefix) + length];
        old.CopyTo(grown);
        position = old.Length;
        var at = WritePrefix(grown, position, prefix);
        if (wide)
        {
            MemoryMarshal.AsBytes(eventId.AsSpan()).CopyTo(grown.AsSpan(at));
        }
        else
        {
            Encoding.ASCII.GetBytes(eventId, grown.AsSpan(at));
        }

        return new EventIdTable(grown);
    }

    /// <summary>The id at <paramref name="position"/>, as a new string.</summary>
    public string Get(int position)
    {
        var id = Entry(position, out var wide);
        return wide ? new string(MemoryMarshal.Cast<byte, char>(id)) : Encoding.ASCII.GetString(id);
    }

    /// <summary>Ordinal comparison of two ids in the table, as <see cref="string.CompareOrdinal(string, string)"/> would give.</summary>
    public int Compare(int left, int right)
    {
        if (left == right)
        {
            return 0;
        }

        var x = Entry(left, out var xWide);
        var y = Entry(right, out var yWide);
        return xWide || yWide ? string.CompareOrdinal(Get(left), Get(right)) : x.SequenceCompareTo(y);
    }

    /// <summary>Ordinal comparison of the id at <paramref name="position"/> with <paramref name="eventId"/>.</summary>
    public int Compare(int position, string eventId)
    {
        var id = Entry(position, out var wide);
        if (wide)
        {
            return string.CompareOrdinal(Get(position), eventId);
        }

        var common = Math.Min(id.Length, eventId.Length);
        for (var i = 0; i < common; i++)
        {
            var order = id[i] - eventId[i];
            if (order != 0)
            {
                return order;
            }
        }

        return id.Length - eventId.Length;
    }

    /// <summary>Every id, in the order they were added.</summary>
    public List<string> All()
    {
        var ids = new List<string>();
        var bytes = Bytes;
        var at = 0;
        while (at < bytes.Length)
        {
            ids.Add(Get(at));
            var (length, _) = ReadPrefix(bytes, ref at);
            at += length;
        }

        return ids;
    }

    private ReadOnlySpan<byte> Entry(int position, out bool wide)
    {
        var bytes = Bytes;
        var at = position;
        (var length, wide) = ReadPrefix(bytes, ref at);
        return bytes.Slice(at, length);
    }

    private static bool Matches(ReadOnlySpan<byte> id, bool wide, string eventId)
    {
        if (wide)
        {
            return MemoryMarshal.Cast<byte, char>(id).SequenceEqual(eventId);
        }

        if (id.Length != eventId.Length)
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            if (id[i] != eventId[i])
            {
                return false;
            }
        }

        return true;
    }

    private static (int Length, bool Wide) ReadPrefix(ReadOnlySpan<byte> bytes, ref int at)
    {
        var prefix = 0;
        var shift = 0;
        byte next;
        do
        {
            next = bytes[at++];
            prefix |= (next & 0x7F) << shift;
            shift += 7;
        }
        while ((next & 0x80) != 0);

        return (prefix >> 1, (prefix & 1) != 0);
    }

    private static int PrefixSize(int prefix)
    {
        var size = 1;
        while (prefix >= 0x80)
        {
            prefix >>= 7;
            size++;
        }

        return size;
    }

    private static int WritePrefix(byte[] bytes, int at, int prefix)
    {
        while (prefix >= 0x80)
        {
            bytes[at++] = (byte)(prefix | 0x80);
            prefix >>= 7;
        }

        bytes[at++] = (byte)prefix;
        return at;
    }
}
