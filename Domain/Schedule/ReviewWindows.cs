using System.Collections.Immutable;
using System.Text.Json;
using QpActors.Domain.Events;
using QpActors.Domain.Model;

namespace QpActors.Domain.Schedule;

/// <summary>What a window bound is counted from.</summary>
public enum ScheduleAnchor
{
    Birth,

    /// <summary>The booking's due date, or the date of birth when there was no booking.</summary>
    ExpectedDueDate,

    /// <summary>The date of birth once known, until then the due date.</summary>
    BirthOrExpectedDueDate,
}

/// <summary>An anchor date moved by days, weeks and months.</summary>
public sealed record WindowBound(ScheduleAnchor Anchor, int Days = 0, int Weeks = 0, int Months = 0)
{
    /// <summary>The bound's date for <paramref name="child"/>, and the event (booking or birth record) it came from.</summary>
    internal DateOnly? Resolve(ChildState child, out string? eventId)
    {
        (var date, eventId) = Anchor switch
        {
            ScheduleAnchor.Birth => (child.DateOfBirth, child.BirthEventId),
            ScheduleAnchor.ExpectedDueDate => child.ExpectedDueDate is { } due
                ? (due, child.BookingEventId)
                : (child.DateOfBirth, child.BirthEventId),
            _ => child.DateOfBirth is { } born ? (born, child.BirthEventId) : (child.ExpectedDueDate, child.BookingEventId),
        };
        if (date is not { } anchor)
        {
            eventId = null;
            return null;
        }

        return anchor.AddMonths(Months).AddDays((Weeks * 7) + Days);
    }
}

/// <summary>One mandated review's window, and which recorded contacts count as the review.</summary>
/// <param name="Earliest">
/// The first day a contact counts as this review (the programme's earliest age for it); one recorded before is not the
/// review. Null: any day does (a schedule file that names none; see <see cref="ReviewWindows.Load(Stream, string)"/>).
/// </param>
/// <param name="LastPossible">
/// The last day the review can be given at all (the antenatal contact: the day before the birth, as only a contact's date is recorded). Past it an unrecorded review is
/// <see cref="ReviewState.Missed"/>, not overdue, and a contact recorded later is not the review. Null: it can always be
/// given late.
/// </param>
public sealed record ReviewWindow(
    MandatedReview Review,
    WindowBound DueFrom,
    WindowBound DueBy,
    WindowBound? AlsoReportedBy,
    string? Notes,
    WindowBound? Earliest = null,
    WindowBound? LastPossible = null);

/// <summary>ASQ-3 domain cut-offs: a score below one suggests further assessment in that domain.</summary>
public sealed record Asq3Cutoffs(double Communication, double GrossMotor, double FineMotor, double ProblemSolving, double PersonalSocial)
{
    /// <summary>The domains (as wire names) whose score is below the cut-off.</summary>
    public IReadOnlyList<string> DomainsBelow(Asq3Scores scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var below = new List<string>();
        if (scores.Communication < Communication)
        {
            below.Add("communication");
        }

        if (scores.GrossMotor < GrossMotor)
        {
            below.Add("grossMotor");
        }

        if (scores.FineMotor < FineMotor)
        {
            below.Add("fineMotor");
        }

        if (scores.ProblemSolving < ProblemSolving)
        {
            below.Add("problemSolving");
        }

        if (scores.PersonalSocial < PersonalSocial)
        {
            below.Add("personalSocial");
        }

        return below;
    }
}

/// <summary>
/// The review windows of a schedule file (default: the embedded <c>review-schedule.v2.json</c>; v1, which counted a
/// review recorded on any day from the birth, stays beside it),
/// and the evaluation of a child against them in the programme's calendar (<see cref="Calendar"/>).
/// </summary>
public sealed class ReviewWindows
{
    private const string DefaultFile = "review-schedule.v2.json";
    private static readonly Lazy<ReviewWindows> DefaultWindows = new(() =>
    {
        using var stream = DataFiles.OpenEmbedded(DefaultFile);
        return Load(stream, DefaultFile);
    });

    private ReviewWindows(string version, ImmutableArray<ReviewWindow> windows, Asq3Cutoffs cutoffs, ProgrammeCalendar calendar)
    {
        Version = version;
        Windows = windows;
        Asq3Cutoffs = cutoffs;
        Calendar = calendar;
    }

    /// <summary>The embedded schedule in Queen's Park's calendar; a host applies its own with <see cref="In"/>.</summary>
    public static ReviewWindows Default => DefaultWindows.Value;

    public string Version { get; }

    /// <summary>In the order of the Healthy Child Programme.</summary>
    public ImmutableArray<ReviewWindow> Windows { get; }

    public Asq3Cutoffs Asq3Cutoffs { get; }

    /// <summary>The calendar whose days "today" and a review's date are taken in.</summary>
    public ProgrammeCalendar Calendar { get; }

    public static ReviewWindows LoadDefault() => DefaultWindows.Value;

    /// <summary>The same windows, evaluated in <paramref name="calendar"/>.</summary>
    public ReviewWindows In(ProgrammeCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return ReferenceEquals(calendar, Calendar) ? this : new ReviewWindows(Version, Windows, Asq3Cutoffs, calendar);
    }

    public static ReviewWindows Load(string path) => DataFileJson.LoadFile(path, Load);

    /// <exception cref="DataFileException">The file is malformed; every problem is listed.</exception>
    public static ReviewWindows Load(Stream stream, string name = "review schedule")
    {
        using (var document = DataFileJson.Parse(stream, name))
        {
            var problems = new List<string>();
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DataFileException(name, ["the file must hold a JSON object"]);
            }

            var version = DataFileRead.RequiredString(root, "version", "version", problems);
            var windows = new List<ReviewWindow>();
            if (root.TryGetProperty("reviews", out var reviews) && reviews.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in reviews.EnumerateArray())
                {
                    if (ReadWindow(item, $"reviews[{index}]", problems) is { } window)
                    {
                        if (windows.Any(w => w.Review == window.Review))
                        {
                            problems.Add($"reviews[{index}].review: {window.Review.ToWireName()} appears twice");
                        }

                        windows.Add(window);
                    }

                    index++;
                }

                foreach (var missing in Enum.GetValues<MandatedReview>().Where(r => windows.All(w => w.Review != r)))
                {
                    problems.Add($"reviews: no window for {missing.ToWireName()}");
                }
            }
            else
            {
                problems.Add("reviews: required array");
            }

            var cutoffs = ReadCutoffs(root, problems);
            if (problems.Count > 0)
            {
                throw new DataFileException(name, problems);
            }

            return new ReviewWindows(version!, [.. windows.OrderBy(w => w.Review)], cutoffs!, ProgrammeCalendar.QueensPark);
        }
    }

    /// <summary>
    /// Every review whose window can be placed (a booking or a birth is known) and was ever open, or was recorded, in
    /// programme order; once the child has left the programme (<see cref="HealthyChildProgramme"/>), only those recorded.
    /// </summary>
    /// <param name="now">"Today" is the programme's day at <paramref name="now"/>, whatever offset it carries.</param>
    public IReadOnlyList<ReviewStatus> Evaluate(ChildState child, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(child);
        var today = Calendar.DayOf(now);
        var statuses = new List<ReviewStatus>(Windows.Length);
        var left = HealthyChildProgramme.HasLeft(child, today);

        // Evaluated for every event and read of a child: windows that rest on the same events share one
        // list of anchor ids rather than each building its own.
        IReadOnlyList<string> anchors = [];
        foreach (var window in Windows)
        {
            if (window.DueFrom.Resolve(child, out var fromEvent) is not { } from || window.DueBy.Resolve(child, out var byEvent) is not { } by)
            {
                continue;
            }

            var completion = Counted(window, child, out var lastPossible);

            // A window that closes before it opens was never open: a baby born on or before the day pregnancy reached 28
            // weeks could not have had the antenatal contact "from 28 weeks", on a day before the birth. Nothing was due,
            // so nothing is shown as missed (and no contact can count: none falls between 28 weeks and such a birth). It
            // closes on its last possible day when that comes before the due-by day (the antenatal contact: the day
            // before the birth, while due-by is the birth).
            if (completion is null && from > (lastPossible is { } last && last < by ? last : by))
            {
                continue;
            }

            // Past the fifth birthday an unrecorded review is no longer due or overdue (HealthyChildProgramme); the ones
            // given stay on the child's record.
            if (completion is null && left)
            {
                continue;
            }

            string? alsoEvent = null;
            var alsoBy = window.AlsoReportedBy?.Resolve(child, out alsoEvent);
            anchors = Anchors(anchors, fromEvent, byEvent, alsoEvent);
            // The programme's day, not the day in the offset the recording phone happened to send.
            DateOnly? completedOn = completion is { } done ? Calendar.DayOf(done.At) : null;
            var state = completedOn is { } on
                ? on <= by ? ReviewState.CompletedOnTime : ReviewState.CompletedLate
                : today > lastPossible ? ReviewState.Missed
                : today < from ? ReviewState.NotYetDue
                : today <= by ? ReviewState.Due
                : ReviewState.Overdue;
            statuses.Add(new ReviewStatus(
                window.Review,
                from,
                by,
                completedOn,
                state,
                completion is { } entry ? child.EventIdOf(entry) : null,
                anchors,
                alsoBy,
                alsoBy is { } also ? completedOn <= also : null,
                lastPossible));
        }

        return statuses;
    }

    /// <summary>
    /// The one rule for which recorded contact is a review, read by the schedule, the risk facts and (through the
    /// schedule's dates) every indicator: the first one recorded from the review's earliest day
    /// (<see cref="ReviewWindow.Earliest"/>) to the last day it can be given (<see cref="ReviewWindow.LastPossible"/>),
    /// in the programme's calendar. Any other is a contact and not the review.
    /// </summary>
    /// <param name="lastPossible">The last day the review can be given, when the file names one and it is known.</param>
    internal ChildEntry? Counted(ReviewWindow window, ChildState child, out DateOnly? lastPossible)
    {
        var (from, until) = CountedSpan(window, child, out lastPossible);
        return child.FirstReviewEntry(window.Review, from, until);
    }

    /// <summary>
    /// The latest 2-2½ year review with ASQ-3 scores that counts as the review (<see cref="Counted"/>'s span): scores
    /// recorded with an early contact were not taken at the age the questionnaire and its cut-offs are for.
    /// </summary>
    public ReviewRecord? LatestAsq3(ChildState child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var (from, until) = CountedSpan(Window(MandatedReview.TwoYear), child, out _);
        return child.LatestAsq3(from, until);
    }

    /// <summary>
    /// The programme's day of the first 2-2½ year review with ASQ-3 scores that counts as the review, for the
    /// commission's C6ii ("done using ASQ-3", by 2½ years): null when none does.
    /// </summary>
    public DateOnly? FirstAsq3On(ChildState child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var (from, until) = CountedSpan(Window(MandatedReview.TwoYear), child, out _);
        return child.FirstAsq3At(from, until) is { } at ? Calendar.DayOf(at) : null;
    }

    private ReviewWindow Window(MandatedReview review)
    {
        foreach (var window in Windows)
        {
            if (window.Review == review)
            {
                return window;
            }
        }

        throw new InvalidOperationException($"The schedule has no window for {review.ToWireName()}.");
    }

    /// <summary>UTC ticks from the programme's midnight starting the earliest day up to (not including) the one after the last.</summary>
    private (long From, long Until) CountedSpan(ReviewWindow window, ChildState child, out DateOnly? lastPossible)
    {
        lastPossible = window.LastPossible?.Resolve(child, out _);
        var from = window.Earliest?.Resolve(child, out _) is { } earliest ? Calendar.StartOf(earliest).UtcTicks : long.MinValue;
        var until = lastPossible is { } last ? Calendar.StartOf(last.AddDays(1)).UtcTicks : long.MaxValue;
        return (from, until);
    }

    /// <summary>
    /// The distinct anchor events of one window in the order its bounds name them, reusing
    /// <paramref name="previous"/> (the last window's list) when it holds the same ids.
    /// </summary>
    private static IReadOnlyList<string> Anchors(IReadOnlyList<string> previous, string? first, string? second, string? third)
    {
        Span<string?> ids = [first, second is not null && second != first ? second : null, third is not null && third != first && third != second ? third : null];
        var count = 0;
        foreach (var id in ids)
        {
            if (id is not null)
            {
                ids[count++] = id;
            }
        }

        if (previous.Count == count)
        {
            var same = true;
            for (var i = 0; i < count && same; i++)
            {
                same = string.Equals(previous[i], ids[i], StringComparison.Ordinal);
            }

            if (same)
            {
                return previous;
            }
        }

        var list = new string[count];
        for (var i = 0; i < count; i++)
        {
            list[i] = ids[i]!;
        }

        return list;
    }

    /// <summary>
    /// The next instant at which some review's status changes with no new event (a window opens or
    /// closes): the programme's midnight starting that day, stated in <paramref name="now"/>'s offset;
    /// null when nothing is pending.
    /// </summary>
    /// <remarks>The fifth birthday is a change when some review is unrecorded then: it stops being listed.</remarks>
    public DateTimeOffset? NextChange(ChildState child, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(child);
        var statuses = Evaluate(child, now);
        var next = NextChange(statuses, now);
        if (LeavingChange(child, now) is { } leaves && statuses.Any(s => s.CompletedOn is null))
        {
            next = next is { } n && n <= leaves ? n : leaves;
        }

        return next;
    }

    /// <summary>The programme's midnight starting the child's fifth birthday, in <paramref name="now"/>'s offset, while it is ahead.</summary>
    internal DateTimeOffset? LeavingChange(ChildState child, DateTimeOffset now) =>
        HealthyChildProgramme.LeavesOn(child) is { } leaves && Calendar.DayOf(now) < leaves
            ? Calendar.StartOf(leaves).ToOffset(now.Offset)
            : null;

    /// <summary>As <see cref="NextChange(ChildState, DateTimeOffset)"/>, from statuses already evaluated at <paramref name="now"/>.</summary>
    public DateTimeOffset? NextChange(IReadOnlyList<ReviewStatus> statuses, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        DateOnly? next = null;
        foreach (var status in statuses)
        {
            DateOnly? change = status.Status switch
            {
                ReviewState.NotYetDue => status.DueFrom,
                ReviewState.Due => status.DueBy.AddDays(1),
                ReviewState.Overdue when status.LastPossible is { } last => last.AddDays(1),
                _ => null,
            };
            if (change is { } date && (next is null || date < next))
            {
                next = date;
            }
        }

        return next is { } day ? Calendar.StartOf(day).ToOffset(now.Offset) : null;
    }

    private static ReviewWindow? ReadWindow(JsonElement item, string path, List<string> problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: must be an object");
            return null;
        }

        DataFileRead.RejectUnknown(item, path, ["review", "notes", "source", "dueFrom", "dueBy", "alsoReportedBy", "earliest", "lastPossible"], problems);
        var reviewName = DataFileRead.RequiredString(item, "review", $"{path}.review", problems);
        MandatedReview? review = null;
        if (reviewName is not null)
        {
            if (WireName.TryParse<MandatedReview>(reviewName, out var parsed))
            {
                review = parsed;
            }
            else
            {
                problems.Add($"{path}.review: '{reviewName}' is not one of {string.Join(", ", WireName.All<MandatedReview>())}");
            }
        }

        var from = ReadBound(item, "dueFrom", path, required: true, problems);
        var by = ReadBound(item, "dueBy", path, required: true, problems);
        var also = ReadBound(item, "alsoReportedBy", path, required: false, problems);
        var earliest = ReadBound(item, "earliest", path, required: false, problems);
        var lastPossible = ReadBound(item, "lastPossible", path, required: false, problems);
        var notes = item.TryGetProperty("notes", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (review is null || from is null || by is null)
        {
            return null;
        }

        if (from.Anchor == by.Anchor && Offset(from) > Offset(by))
        {
            problems.Add($"{path}: dueFrom is after dueBy");
        }

        if (earliest is not null && earliest.Anchor == from.Anchor && Offset(earliest) > Offset(from))
        {
            problems.Add($"{path}: earliest is after dueFrom (a review given on the first day it is due would not count)");
        }

        // A file that names no earliest day (review-schedule.v1) counts a review from the birth from the day of birth
        // (round 28: none is given before the baby is born) and the antenatal contact from any day.
        earliest ??= from.Anchor == ScheduleAnchor.Birth ? new WindowBound(ScheduleAnchor.Birth) : null;
        return new ReviewWindow(review.Value, from, by, also, notes, earliest, lastPossible);
    }

    // Months count as 31 days here: only used to catch a window written back to front.
    private static int Offset(WindowBound bound) => (bound.Months * 31) + (bound.Weeks * 7) + bound.Days;

    private static WindowBound? ReadBound(JsonElement item, string name, string path, bool required, List<string> problems)
    {
        var where = $"{path}.{name}";
        if (!item.TryGetProperty(name, out var bound))
        {
            if (required)
            {
                problems.Add($"{where}: required");
            }

            return null;
        }

        if (bound.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{where}: must be an object");
            return null;
        }

        DataFileRead.RejectUnknown(bound, where, ["anchor", "days", "weeks", "months", "notes"], problems);
        var anchorName = DataFileRead.RequiredString(bound, "anchor", $"{where}.anchor", problems);
        ScheduleAnchor? anchor = anchorName switch
        {
            null => null,
            "birth" => ScheduleAnchor.Birth,
            "expected-due-date" => ScheduleAnchor.ExpectedDueDate,
            "birth-or-expected-due-date" => ScheduleAnchor.BirthOrExpectedDueDate,
            _ => null,
        };
        if (anchorName is not null && anchor is null)
        {
            problems.Add($"{where}.anchor: '{anchorName}' is not one of birth, expected-due-date, birth-or-expected-due-date");
        }

        var days = DataFileRead.OptionalInt(bound, "days", where, problems);
        var weeks = DataFileRead.OptionalInt(bound, "weeks", where, problems);
        var months = DataFileRead.OptionalInt(bound, "months", where, problems);
        return anchor is { } a ? new WindowBound(a, days ?? 0, weeks ?? 0, months ?? 0) : null;
    }

    private static Asq3Cutoffs? ReadCutoffs(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("asq3Cutoffs", out var cutoffs) || cutoffs.ValueKind != JsonValueKind.Object)
        {
            problems.Add("asq3Cutoffs: required object");
            return null;
        }

        string[] domains = ["communication", "grossMotor", "fineMotor", "problemSolving", "personalSocial"];
        DataFileRead.RejectUnknown(cutoffs, "asq3Cutoffs", [.. domains, "notes", "source"], problems);
        var values = domains.Select(d => DataFileRead.RequiredNumber(cutoffs, d, $"asq3Cutoffs.{d}", 0, 60, problems)).ToArray();
        return values.All(v => v is not null)
            ? new Asq3Cutoffs(values[0]!.Value, values[1]!.Value, values[2]!.Value, values[3]!.Value, values[4]!.Value)
            : null;
    }
}

/// <summary>The schedule every part of the system uses unless told otherwise: the embedded default.</summary>
public static class ReviewSchedule
{
    /// <inheritdoc cref="ReviewWindows.Evaluate"/>
    public static IReadOnlyList<ReviewStatus> Evaluate(ChildState child, DateTimeOffset now) =>
        ReviewWindows.Default.Evaluate(child, now);

    /// <inheritdoc cref="ReviewWindows.NextChange"/>
    public static DateTimeOffset? NextChange(ChildState child, DateTimeOffset now) =>
        ReviewWindows.Default.NextChange(child, now);
}
