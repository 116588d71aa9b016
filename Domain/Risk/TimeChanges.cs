namespace QpActors.Domain.Risk;

/// <summary>
/// What time alone changed at an instant, with no event: the kinds of change <see cref="RiskFacts.NextChange(Model.ChildState, DateTimeOffset, Schedule.ReviewWindows)"/>
/// wakes a grain for. Several can fall at one programme midnight. The risk history names them in a change's cause
/// (<see cref="Label"/>), so "what changed" says which clock moved the score: a review falling due or overdue, a contact
/// leaving a look-back, the end of a newborn's grace to be registered with the children's centre, or the fifth birthday.
/// </summary>
[Flags]
public enum TimeChanges
{
    None = 0,

    /// <summary>A mandated review's window opened, or closed with the review not done (it is overdue from that day).</summary>
    ReviewWindow = 1,

    /// <summary>A contact left (or, dated ahead, entered) a look-back of the last 12 or 3 months.</summary>
    LookBack = 2,

    /// <summary>A baby known from its birth record and not registered with the children's centre passed 8 weeks old.</summary>
    RegistrationGraceEnded = 4,

    /// <summary>The child turned five and left the programme: none of its facts counts any more.</summary>
    FifthBirthday = 8,
}

/// <summary>The risk history's wire values for changes time made.</summary>
public static class TimeChangeLabels
{
    /// <summary>Every time cause starts so; a client that only tells events from time reads this prefix.</summary>
    public const string Prefix = "time: ";

    /// <summary>The label every time change carried before causes told them apart; it still means a review window.</summary>
    public const string ReviewWindow = Prefix + "review window";

    public const string LookBack = Prefix + "look-back";

    public const string RegistrationGraceEnded = Prefix + "not registered with the centre by 8 weeks";

    public const string FifthBirthday = Prefix + "fifth birthday";

    /// <summary>Time changed the score and none of the kinds above fell then (not expected; said rather than guessed).</summary>
    public const string Unknown = Prefix + "unknown";

    /// <summary>
    /// The cause for <paramref name="changes"/>: one kind's label, or several kinds' names after one prefix, joined by
    /// ", " in a fixed order (fifth birthday, registration grace, review window, look-back), e.g.
    /// <c>time: review window, look-back</c>.
    /// </summary>
    public static string Label(TimeChanges changes) => changes switch
    {
        TimeChanges.None => Unknown,
        TimeChanges.ReviewWindow => ReviewWindow,
        TimeChanges.LookBack => LookBack,
        TimeChanges.RegistrationGraceEnded => RegistrationGraceEnded,
        TimeChanges.FifthBirthday => FifthBirthday,
        _ => Prefix + string.Join(", ", Names(changes)),
    };

    private static IEnumerable<string> Names(TimeChanges changes)
    {
        if (changes.HasFlag(TimeChanges.FifthBirthday))
        {
            yield return FifthBirthday[Prefix.Length..];
        }

        if (changes.HasFlag(TimeChanges.RegistrationGraceEnded))
        {
            yield return RegistrationGraceEnded[Prefix.Length..];
        }

        if (changes.HasFlag(TimeChanges.ReviewWindow))
        {
            yield return ReviewWindow[Prefix.Length..];
        }

        if (changes.HasFlag(TimeChanges.LookBack))
        {
            yield return LookBack[Prefix.Length..];
        }
    }
}
