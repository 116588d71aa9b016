using System.Runtime.InteropServices;

namespace QpActors.Domain.Model;

/// <summary>
/// A child's dated record as it is held in memory: an instant, the event that recorded it (a
/// position in the child's <see cref="EventIdTable"/>) and one detail. A struct in an array, so a
/// record costs 24 bytes instead of an object with a header, a reference to it and a string id.
/// </summary>
/// <remarks>The public records (<see cref="Occurrence"/>, <see cref="ReviewRecord"/>...) are built from these on read.</remarks>
[StructLayout(LayoutKind.Auto)]
internal readonly struct ChildEntry(DateTimeOffset at, int eventId, byte kind = 0, object? detail = null)
{
    /// <summary>A string (service, centre, session, vaccine) or, for a review, its ASQ-3 scores.</summary>
    public object? Detail { get; } = detail;

    public long UtcTicks { get; } = at.UtcTicks;

    /// <summary>Position of the event id in the child's table.</summary>
    public int EventId { get; } = eventId;

    /// <summary>The offset the instant was stated in, in minutes: kept so the instant reads back as it was sent (days are the programme calendar's, not this offset's).</summary>
    public short OffsetMinutes { get; } = (short)at.TotalOffsetMinutes;

    /// <summary>The review, or 1 for an immunisation given.</summary>
    public byte Kind { get; } = kind;

    public DateTimeOffset At => Instants.From(UtcTicks, OffsetMinutes);
}

/// <summary>Where one referral stands, held as <see cref="ChildEntry"/> is.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct ReferralEntry(string referralId, ReferralStatus status, string from, string to, DateTimeOffset at, int eventId)
{
    public string ReferralId { get; } = referralId;

    public string From { get; } = from;

    public string To { get; } = to;

    public long UtcTicks { get; } = at.UtcTicks;

    public int EventId { get; } = eventId;

    public short OffsetMinutes { get; } = (short)at.TotalOffsetMinutes;

    public ReferralStatus Status { get; } = status;

    public DateTimeOffset At => Instants.From(UtcTicks, OffsetMinutes);
}

/// <summary>A latest-wins value's stamp in the same form: the instant and the event's position in the table.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct Stamp(DateTimeOffset at, int eventId)
{
    public long UtcTicks { get; } = at.UtcTicks;

    public int EventId { get; } = eventId;

    public short OffsetMinutes { get; } = (short)at.TotalOffsetMinutes;

    public DateTimeOffset At => Instants.From(UtcTicks, OffsetMinutes);
}

internal static class Instants
{
    /// <summary>The instant back in the offset it was stated in (equal to the original, and printed the same).</summary>
    public static DateTimeOffset From(long utcTicks, short offsetMinutes) =>
        new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
}
