namespace QpActors.Simulation.Generation;

/// <summary>
/// The programme's calendar days as the wire format defines them (docs/design.md): a date is the date on the clocks of
/// the programme's time zone (the hosts' <c>Programme:TimeZone</c>, Europe/London for Queen's Park), never the UTC date.
/// The generator dates births and due dates, and a seed its "today", this way, so that what it posts is dated as the
/// gateway dates it: between midnight and 01:00 British Summer Time the UTC date is still yesterday.
/// </summary>
/// <remarks>The simulation works from the wire format alone and does not use the domain's own calendar.</remarks>
public sealed class ProgrammeDays
{
    /// <summary>The Queen's Park programme's zone, and the default.</summary>
    public const string QueensParkTimeZone = "Europe/London";

    private static readonly Lazy<ProgrammeDays> QueensParkDays = new(() => ForTimeZone(QueensParkTimeZone));

    private ProgrammeDays(TimeZoneInfo zone) => Zone = zone;

    /// <summary>Queen's Park's days (Europe/London).</summary>
    public static ProgrammeDays QueensPark => QueensParkDays.Value;

    public TimeZoneInfo Zone { get; }

    /// <summary>The days of a named tz database zone.</summary>
    /// <exception cref="ArgumentException">The machine does not know the zone.</exception>
    public static ProgrammeDays ForTimeZone(string timeZoneId)
    {
        ArgumentNullException.ThrowIfNull(timeZoneId);
        var name = timeZoneId.Trim();
        if (name.Length == 0 || !TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone))
        {
            throw new ArgumentException($"'{timeZoneId}' is not a time zone this machine knows: give a tz database name such as {QueensParkTimeZone}.", nameof(timeZoneId));
        }

        return new ProgrammeDays(zone);
    }

    /// <summary>The programme's date at <paramref name="instant"/>, whatever offset it carries.</summary>
    public DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    /// <summary>The programme's date now.</summary>
    public DateOnly Today(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return DayOf(clock.GetUtcNow());
    }

    /// <summary>The first instant of <paramref name="day"/> on the programme's clocks: its midnight, or where clocks skip midnight the first time after it.</summary>
    public DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        // At an ambiguous midnight (clocks going back across it) the day starts at the earlier of the two, the larger offset.
        var offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Max() : Zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
