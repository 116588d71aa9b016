namespace QpActors.Domain;

/// <summary>
/// The programme's calendar. A calendar day (and so a month, a quarter and a reporting year) is the date on the
/// clocks of the programme's own time zone, Europe/London for Queen's Park: not the date in UTC, and not the date
/// in whatever offset a device happened to stamp on an instant. So 23:30 UTC on 31 May 2025 (00:30 British Summer
/// Time) is 1 June wherever it is counted, and the same instant sent as +00:00 or +01:00 falls on the same day.
/// </summary>
/// <remarks>
/// A plain value the hosts build once from their setting and hand to the domain rules, the figures and the grains;
/// it reads no clock. The tz database supplies the zone's rules, so summer time starts and ends on the right days.
/// </remarks>
public sealed class ProgrammeCalendar
{
    /// <summary>The time zone of the Queen's Park programme, and the setting's default.</summary>
    public const string QueensParkTimeZone = "Europe/London";

    private static readonly Lazy<ProgrammeCalendar> QueensParkCalendar = new(() => ForTimeZone(QueensParkTimeZone));

    // The widest offsets in use are -12 and +14 hours: local midnight lies within this much of midnight UTC.
    private static readonly TimeSpan Widest = TimeSpan.FromHours(15);

    // Every event asks for the same few days (today, the start of this month and of the look-backs, a child's
    // review dates), and a zone lookup costs 60-450 ns against a few for arithmetic: each answer is kept, one per
    // day in a small table (a slot holds the last day that mapped to it; a record is replaced whole, never changed,
    // so concurrent readers need no lock).
    private const int Slots = 1024;

    private readonly TimeZoneInfo _zone;
    private readonly UtcDay?[] _utcDays = new UtcDay?[Slots];
    private readonly DayStart?[] _starts = new DayStart?[Slots];

    private ProgrammeCalendar(TimeZoneInfo zone) => _zone = zone;

    /// <summary>Queen's Park's calendar (Europe/London).</summary>
    public static ProgrammeCalendar QueensPark => QueensParkCalendar.Value;

    /// <summary>The zone's name as the tz database knows it, e.g. <c>Europe/London</c>.</summary>
    public string TimeZoneId => _zone.Id;

    /// <summary>The calendar of a named time zone.</summary>
    /// <exception cref="ArgumentException">The machine does not know the zone (a misspelt name, or no tz database installed).</exception>
    public static ProgrammeCalendar ForTimeZone(string timeZoneId)
    {
        ArgumentNullException.ThrowIfNull(timeZoneId);
        var name = timeZoneId.Trim();
        if (name.Length == 0 || !TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone))
        {
            throw new ArgumentException(
                $"'{timeZoneId}' is not a time zone this machine knows: give a tz database name such as {QueensParkTimeZone} " +
                "(on Linux the tz database is the tzdata package, in /usr/share/zoneinfo).");
        }

        return new ProgrammeCalendar(zone);
    }

    /// <summary>The programme's calendar day on which <paramref name="instant"/> falls, whatever offset it carries.</summary>
    public DateOnly DayOf(DateTimeOffset instant)
    {
        var utcTicks = instant.UtcTicks;
        var utcDay = (int)(utcTicks / TimeSpan.TicksPerDay);
        var known = _utcDays[utcDay & (Slots - 1)];
        if (known is null || known.Day != utcDay)
        {
            known = OffsetsOn(utcDay);
            _utcDays[utcDay & (Slots - 1)] = known;
        }

        var localTicks = utcTicks + known.OffsetTicks;
        return known.OffsetChanges || localTicks < 0 || localTicks > DateTime.MaxValue.Ticks
            ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, _zone).DateTime)
            : DateOnly.FromDayNumber((int)(localTicks / TimeSpan.TicksPerDay));
    }

    /// <summary>The first instant of <paramref name="day"/> (its midnight), stated in the zone's offset at that instant.</summary>
    public DateTimeOffset StartOf(DateOnly day)
    {
        var known = _starts[day.DayNumber & (Slots - 1)];
        if (known is null || known.Day != day)
        {
            known = new DayStart(day, FirstInstantOf(day));
            _starts[day.DayNumber & (Slots - 1)] = known;
        }

        return known.Start;
    }

    private DateTimeOffset FirstInstantOf(DateOnly day)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        if (!_zone.IsInvalidTime(midnight) && !_zone.IsAmbiguousTime(midnight))
        {
            return new DateTimeOffset(midnight, _zone.GetUtcOffset(midnight));
        }

        // Some zones move their clocks at midnight, so the day starts at 01:00 or its midnight comes twice: its first
        // instant is then the earliest one on its date. A search between the widest offsets finds it, as long as the
        // zone's date does not step back across midnight (the tests check every day of zones that change at midnight).
        var low = midnight.Ticks - Widest.Ticks;
        var high = midnight.Ticks + Widest.Ticks;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (DayOf(new DateTimeOffset(middle, TimeSpan.Zero)) < day)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return TimeZoneInfo.ConvertTime(new DateTimeOffset(low, TimeSpan.Zero), _zone);
    }

    /// <summary>The first instant of the <paramref name="months"/> months ending on (and including) <paramref name="lastDay"/>.</summary>
    public DateTimeOffset StartOfMonthsEndingOn(DateOnly lastDay, int months) => StartOf(FirstDayOfMonthsEndingOn(lastDay, months));

    /// <summary>
    /// The first day of the <paramref name="months"/> months ending on (and including) <paramref name="lastDay"/>: the
    /// day after <paramref name="lastDay"/>, that many months earlier. Where that date does not exist (30 February),
    /// the period starts on the first of the next month, so it never reaches back into a day it should not hold.
    /// The risk look-backs count these; the figures' "last 12 months" are whole calendar months (ReportingPeriod.Last12Months).
    /// </summary>
    public static DateOnly FirstDayOfMonthsEndingOn(DateOnly lastDay, int months)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(months);
        var next = lastDay.AddDays(1);
        var first = next.AddMonths(-months);
        return first.Day == next.Day ? first : first.AddDays(1);
    }

    /// <summary>
    /// The first day whose <paramref name="months"/> months (<see cref="FirstDayOfMonthsEndingOn"/>) no longer hold
    /// <paramref name="day"/>: something that happened on <paramref name="day"/> counts in "the last N months" up to the
    /// day before this one.
    /// </summary>
    public static DateOnly FirstDayOutsideMonths(DateOnly day, int months)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(months);

        // Away from a month's end, the months ending the day before day + 1 + N months start on day + 1. Near one the
        // answer moves a few days either way (31 March + 1 month = 30 April; the month ending 28 March 2023 already starts
        // on 1 March, as 29 February does not exist). The months' first day never moves back as their last day moves on,
        // so walking forward to a day that no longer holds day, then back while the day before does not either, ends on
        // the first such day.
        var candidate = day.AddDays(1).AddMonths(months).AddDays(-1);
        while (FirstDayOfMonthsEndingOn(candidate, months) <= day)
        {
            candidate = candidate.AddDays(1);
        }

        while (FirstDayOfMonthsEndingOn(candidate.AddDays(-1), months) > day)
        {
            candidate = candidate.AddDays(-1);
        }

        return candidate;
    }

    /// <summary>
    /// The zone's offset over one UTC day: the same at its first and last tick means the same all day (zones change
    /// their clocks months apart), so a day is then plain arithmetic; the day of a change asks the zone every time.
    /// </summary>
    private UtcDay OffsetsOn(int utcDay)
    {
        var first = new DateTimeOffset(utcDay * TimeSpan.TicksPerDay, TimeSpan.Zero);
        var atStart = _zone.GetUtcOffset(first);
        var atEnd = _zone.GetUtcOffset(first.AddTicks(TimeSpan.TicksPerDay - 1));
        return new UtcDay(utcDay, atStart.Ticks, atStart != atEnd);
    }

    private sealed record UtcDay(int Day, long OffsetTicks, bool OffsetChanges);

    private sealed record DayStart(DateOnly Day, DateTimeOffset Start);
}
