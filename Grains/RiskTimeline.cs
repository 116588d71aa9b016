using System.Runtime.InteropServices;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Domain.Risk;
using QpActors.Domain.Schedule;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// Follows a risk assessment through time: after every event (assessed when it was received) and at every
/// instant a review window closes. Live grains and a replay of the journal in arrival order go through
/// the same steps, so the risk history a grain rebuilds after a restart is the one it showed before.
/// </summary>
/// <remarks>
/// <para>
/// Events are observed at the instant they were received, the instant the journal keeps, never at the instant a grain
/// handled them, so the history is a function of the journal. A live grain can have walked time past an event's
/// receipt before it handles the event (a read came in between, or the event's arrival activated it); a replay walks
/// only up to the receipt before the event, so the changes time made after it under the earlier state are taken back
/// and walked again under the new one (see <see cref="Observe"/>).
/// </para>
/// <para>
/// Every live child holds one, so it is kept small: a reference to its subject rather than two delegates;
/// the changes as structs in an exact-size array (each one's previous score is the change before it, so
/// only the first one's is kept); the causing event ids packed in one <see cref="EventIdTable"/>. The
/// <see cref="RiskChange"/> records are built when <see cref="History"/> is read.
/// </para>
/// </remarks>
public sealed class RiskTimeline(IRiskSubject subject)
{
    /// <summary>How many changes are shown; older ones remain derivable from the journal.</summary>
    public const int HistoryLength = 50;

    /// <summary>The cause of a change a review window made (before causes told time's kinds apart, every time change's).</summary>
    public const string TimeCause = TimeChangeLabels.ReviewWindow;

    /// <summary>How the cause of a rules change starts: <c>rules: risk-rules.v1 -> risk-rules.v2</c>.</summary>
    public const string RulesCausePrefix = "rules: ";

    // A change's cause: a position in the event id table (0 and up), time (-1 less the kinds of TimeChanges that fell
    // then, so -1 to -16), or a rules change (RulesBase less its position in _rules).
    private const int RulesBase = -1000;

    private static int ByTime(TimeChanges changes) => -1 - (int)changes;

    private static string TimeLabel(int cause) => TimeChangeLabels.Label((TimeChanges)(-1 - cause));

    // The rules changes this timeline walks through, by instant (null until one is known: every live child holds a timeline).
    private List<RulesChange>? _rules;

    private Change[] _changes = [];
    private EventIdTable _causes;

    // Score and level before the first kept change.
    private double _firstPreviousScore;
    private ServiceLevel _firstPreviousLevel = ServiceLevel.Universal;

    // The latest change of the suggested level among those already forgotten, so when the level last changed outlives
    // a history in which only the score moved since. A reference, null until a level change is forgotten: every live
    // child holds a timeline too.
    private LevelChange? _forgottenLevelChange;

    private double _score;
    private ServiceLevel _level = ServiceLevel.Universal;
    private DateTimeOffset _clock = DateTimeOffset.MinValue;

    // The latest instant an event was observed at: what a replay's clock would be. Changes time made after it are
    // provisional until the next event (see Observe).
    private DateTimeOffset _observed = DateTimeOffset.MinValue;

    /// <summary>The last <see cref="HistoryLength"/> changes, oldest first. Built on each read.</summary>
    public IReadOnlyList<RiskChange> History
    {
        get
        {
            if (_changes.Length == 0)
            {
                return [];
            }

            var first = Math.Max(0, _changes.Length - HistoryLength);
            var history = new RiskChange[_changes.Length - first];
            var previousScore = first == 0 ? _firstPreviousScore : _changes[first - 1].Score;
            var previousLevel = first == 0 ? _firstPreviousLevel : _changes[first - 1].SuggestedLevel;
            for (var i = first; i < _changes.Length; i++)
            {
                var change = _changes[i];
                if (change.Cause <= RulesBase)
                {
                    var rules = _rules![RulesBase - change.Cause];
                    (previousScore, previousLevel) = (rules.PreviousScore, rules.PreviousLevel);
                }

                history[i - first] = new RiskChange(
                    change.At,
                    change.Score,
                    change.SuggestedLevel.ToWireName(),
                    previousScore,
                    previousLevel.ToWireName(),
                    Cause(change.Cause));
                previousScore = change.Score;
                previousLevel = change.SuggestedLevel;
            }

            return history;
        }
    }

    /// <summary>When the score or the suggested level last changed (an event's receipt or a change time made); null if neither ever did.</summary>
    public DateTimeOffset? LastChangeAt => _changes.Length == 0 ? null : _changes[^1].At;

    /// <summary>
    /// When the suggested level last changed, and from which level; null if it never changed. Read from the kept changes
    /// (the latest first, so usually at once), else from the one kept when older changes were forgotten.
    /// </summary>
    public LevelChange? LastLevelChange
    {
        get
        {
            for (var i = _changes.Length - 1; i >= 0; i--)
            {
                var before = PreviousLevel(i);
                if (_changes[i].SuggestedLevel != before)
                {
                    return new LevelChange(_changes[i].At, before);
                }
            }

            return _forgottenLevelChange;
        }
    }

    /// <summary>The cause's wire value (see <see cref="RiskChange.Cause"/>).</summary>
    private string Cause(int cause) =>
        cause >= 0 ? _causes.Get(cause) : cause <= RulesBase ? _rules![RulesBase - cause].Cause : TimeLabel(cause);

    /// <summary>The level before the change at <paramref name="i"/>: a rules change's own, else the change before it.</summary>
    private ServiceLevel PreviousLevel(int i) =>
        _changes[i].Cause <= RulesBase ? _rules![RulesBase - _changes[i].Cause].PreviousLevel
        : i == 0 ? _firstPreviousLevel : _changes[i - 1].SuggestedLevel;

    /// <summary>
    /// Names a change of the rules the subject is assessed under, to be walked through at its instant as time's changes
    /// are: a change is recorded there if the score or level under the new rules differs from <see cref="RulesChange.PreviousScore"/>
    /// and <see cref="RulesChange.PreviousLevel"/>, what the subject showed under the old ones. Its instant must be after
    /// the receipts already observed, as a replay that knows it from the start then records it in the same place.
    /// </summary>
    public void ScheduleRulesChange(RulesChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _rules ??= [];
        var at = _rules.FindIndex(r => r.At > change.At);
        _rules.Insert(at < 0 ? _rules.Count : at, change);
    }

    /// <summary>The suggested level after the latest change recorded.</summary>
    public ServiceLevel SuggestedLevel => _level;

    /// <summary>True when the latest change recorded left the score and level of <paramref name="assessment"/>: it is no change.</summary>
    public bool StandsAt(RiskAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return Math.Abs(assessment.Score - _score) < 1e-9 && assessment.SuggestedLevel == _level;
    }

    /// <summary>
    /// How many changes were ever recorded (not only those kept), plus how many times changes were taken back: a cheap
    /// way to tell that the history moved.
    /// </summary>
    public long ChangesRecorded { get; private set; }

    /// <summary>
    /// Records the assessment after <paramref name="cause"/> was applied, at <paramref name="at"/>, the instant the event
    /// was received. If time was already walked past it, the changes time made meanwhile (under the state before the
    /// event) are taken back, and time is walked again under the state the event left, as a replay would.
    /// </summary>
    /// <param name="known">The assessment at <paramref name="at"/> when the caller has just computed it.</param>
    public bool Observe(DateTimeOffset at, string cause, RiskAssessment? known = null)
    {
        var walked = _clock;
        var settled = at > _observed ? at : _observed;
        if (walked > settled)
        {
            TakeBackAfter(settled);
            _clock = settled;
        }
        else
        {
            AdvanceTo(at);
        }

        var changed = Record(at, cause, known);
        _observed = settled;
        AdvanceTo(walked);
        return changed;
    }

    /// <summary>Walks forward through every scheduled change up to <paramref name="until"/>.</summary>
    public bool AdvanceTo(DateTimeOffset until)
    {
        // Already there: the next change is strictly after the clock, so there is nothing to walk through.
        if (_clock != DateTimeOffset.MinValue && until <= _clock)
        {
            return false;
        }

        var changed = false;
        for (var guard = 0; guard < 64; guard++)
        {
            var next = subject.NextChange(_clock == DateTimeOffset.MinValue ? until : _clock);
            var rules = NextRulesChange(until);
            if (rules is { } r && (next is not { } n || r.At <= n))
            {
                // A rules change before a change time makes at the same instant: it is what the subject showed until then.
                changed |= RecordRulesChange(r);
                continue;
            }

            if (next is not { } at || at > until)
            {
                break;
            }

            var named = at;
            if (at <= _clock)
            {
                at = _clock.AddTicks(1);
            }

            changed |= Record(at, null, named: named);
        }

        if (until > _clock)
        {
            _clock = until;
        }

        return changed;
    }

    /// <summary>The first rules change after the clock, at or before <paramref name="until"/>.</summary>
    private RulesChange? NextRulesChange(DateTimeOffset until)
    {
        if (_rules is null)
        {
            return null;
        }

        foreach (var change in _rules)
        {
            if (change.At > _clock || _clock == DateTimeOffset.MinValue)
            {
                return change.At <= until ? change : null;
            }
        }

        return null;
    }

    /// <summary>Records <paramref name="change"/> if the score or level under the new rules differs from the old rules' at its instant.</summary>
    private bool RecordRulesChange(RulesChange change)
    {
        var assessment = subject.Assess(change.At);
        _clock = change.At;
        if (Math.Abs(assessment.Score - change.PreviousScore) < 1e-9 && assessment.SuggestedLevel == change.PreviousLevel)
        {
            return false;
        }

        Append(change.At, assessment, RulesBase - _rules!.IndexOf(change));
        return true;
    }

    /// <param name="cause">The event id, or null when time made the change.</param>
    /// <param name="named">For a change time made, the instant the subject named (<paramref name="at"/> may be a tick later).</param>
    private bool Record(DateTimeOffset at, string? cause, RiskAssessment? known = null, DateTimeOffset? named = null)
    {
        var assessment = known ?? subject.Assess(at);
        if (at > _clock)
        {
            _clock = at;
        }

        if (Math.Abs(assessment.Score - _score) < 1e-9 && assessment.SuggestedLevel == _level)
        {
            return false;
        }

        int position;
        if (cause is not null)
        {
            _causes = _causes.Add(cause, out position);
        }
        else
        {
            position = ByTime(subject.ChangesAt(named ?? at));
        }

        Append(at, assessment, position);
        return true;
    }

    private void Append(DateTimeOffset at, RiskAssessment assessment, int position)
    {
        _changes = [.. _changes, new Change(at, assessment.Score, assessment.SuggestedLevel, position)];
        ChangesRecorded++;
        _score = assessment.Score;
        _level = assessment.SuggestedLevel;

        // Provisional changes are kept beyond the shown length: were they taken back after the older ones were
        // forgotten, fewer would be shown than a replay shows.
        var settled = _changes.Length - Provisional();
        if (settled > HistoryLength)
        {
            Forget(settled - HistoryLength);
        }
    }

    /// <summary>How many of the latest changes time (or the rules) made after the last observed event: those a later event may take back.</summary>
    private int Provisional()
    {
        var count = 0;
        for (var i = _changes.Length - 1; i >= 0 && _changes[i].Cause < 0 && _changes[i].UtcTicks > _observed.UtcTicks; i--)
        {
            count++;
        }

        return count;
    }

    /// <summary>Takes back the changes time (or the rules, walked through as time is) made after <paramref name="instant"/>.</summary>
    private void TakeBackAfter(DateTimeOffset instant)
    {
        var kept = _changes.Length;
        while (kept > 0 && _changes[kept - 1].Cause < 0 && _changes[kept - 1].UtcTicks > instant.UtcTicks)
        {
            kept--;
        }

        if (kept == _changes.Length)
        {
            return;
        }

        _changes = _changes[..kept];
        (_score, _level) = kept == 0 ? (_firstPreviousScore, _firstPreviousLevel) : (_changes[^1].Score, _changes[^1].SuggestedLevel);
        ChangesRecorded++;
    }

    /// <summary>Drops the oldest <paramref name="count"/> changes and their causes.</summary>
    private void Forget(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var previous = PreviousLevel(i);
            if (_changes[i].SuggestedLevel != previous)
            {
                _forgottenLevelChange = new LevelChange(_changes[i].At, previous);
            }
        }

        _firstPreviousScore = _changes[count - 1].Score;
        _firstPreviousLevel = _changes[count - 1].SuggestedLevel;
        var kept = _changes[count..];
        var causes = default(EventIdTable);
        for (var i = 0; i < kept.Length; i++)
        {
            if (kept[i].Cause >= 0)
            {
                causes = causes.Add(_causes.Get(kept[i].Cause), out var position);
                kept[i] = kept[i].WithCause(position);
            }
        }

        _changes = kept;
        _causes = causes;
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly struct Change
    {
        public Change(DateTimeOffset at, double score, ServiceLevel level, int cause)
            : this(at.UtcTicks, (short)at.TotalOffsetMinutes, score, level, cause)
        {
        }

        private Change(long utcTicks, short offsetMinutes, double score, ServiceLevel level, int cause)
        {
            UtcTicks = utcTicks;
            OffsetMinutes = offsetMinutes;
            Score = score;
            Level = (byte)level;
            Cause = cause;
        }

        public long UtcTicks { get; }

        /// <summary>The instant, in the offset it was recorded in.</summary>
        public DateTimeOffset At => new DateTimeOffset(UtcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(OffsetMinutes));

        public double Score { get; }

        /// <summary>Position of the causing event id in the timeline's table, or a time or rules cause (below 0).</summary>
        public int Cause { get; }

        public short OffsetMinutes { get; }

        private byte Level { get; }

        public ServiceLevel SuggestedLevel => (ServiceLevel)Level;

        public Change WithCause(int cause) => new(UtcTicks, OffsetMinutes, Score, SuggestedLevel, cause);
    }
}

/// <summary>
/// A change of the rules a family is assessed under, at the instant it was first assessed under the new ones, with the
/// score and level it showed under the old ones (its ward entry's, the last thing written under them).
/// </summary>
public sealed record RulesChange(DateTimeOffset At, string From, string To, double PreviousScore, ServiceLevel PreviousLevel)
{
    /// <summary>The history's cause: <c>rules: risk-rules.v1 -> risk-rules.v2</c>.</summary>
    public string Cause => RiskTimeline.RulesCausePrefix + From + " -> " + To;
}

/// <summary>A change of the suggested level: when, and the level it changed from.</summary>
public sealed record LevelChange(DateTimeOffset At, ServiceLevel From);

/// <summary>What a <see cref="RiskTimeline"/> follows: a child or a family, assessed as of any instant.</summary>
public interface IRiskSubject
{
    RiskAssessment Assess(DateTimeOffset at);

    /// <summary>The next instant strictly after <paramref name="at"/> at which time alone changes the assessment; null if none.</summary>
    DateTimeOffset? NextChange(DateTimeOffset at);

    /// <summary>What time alone changes at <paramref name="at"/>, an instant <see cref="NextChange"/> named: the cause's label.</summary>
    TimeChanges ChangesAt(DateTimeOffset at);
}

/// <summary>Maps domain results onto the contracts the gateway serves.</summary>
public static class RiskViews
{
    public static IReadOnlyList<FactorView> Factors(RiskAssessment assessment) =>
        assessment.Factors.Select(f => new FactorView(f.Id, f.Description, f.Weight, f.EventIds, f.ChildId)).ToArray();

    public static IReadOnlyList<ReviewView> Reviews(IReadOnlyList<ReviewStatus> statuses) =>
        statuses.Select(s => new ReviewView(
            s.Review.ToWireName(),
            s.DueFrom,
            s.DueBy,
            s.CompletedOn,
            StateName(s.Status))).ToArray();

    public static string StateName(ReviewState state) => state switch
    {
        ReviewState.NotYetDue => "not-yet-due",
        ReviewState.Due => "due",
        ReviewState.CompletedOnTime => "completed-on-time",
        ReviewState.CompletedLate => "completed-late",
        ReviewState.Overdue => "overdue",
        ReviewState.Missed => "missed",
        _ => state.ToString(),
    };

    public static ChildRiskView Child(ChildState state, RiskAssessment assessment, IReadOnlyList<ReviewStatus> reviews, IReadOnlyList<RiskChange>? history) =>
        new(
            state.ChildId,
            state.FamilyId,
            state.DateOfBirth,
            state.ExpectedDueDate,
            assessment.Score,
            assessment.SuggestedLevel.ToWireName(),
            Factors(assessment),
            Reviews(reviews),
            assessment.RulesVersion,
            state.Version,
            history);

    /// <summary>The champion an event concerns: named in its data, else the champion who recorded it.</summary>
    public static string? ChampionOf(ContactEvent contact) => contact.Data switch
    {
        ChampionOutreach outreach => outreach.ChampionId,
        SurveyCompleted survey => survey.ChampionId,
        DropInHosted { ChampionId: { } hostedBy } => hostedBy,
        _ => contact.RecordedBy.StartsWith("champion:", StringComparison.Ordinal) ? contact.RecordedBy["champion:".Length..] : null,
    };

    /// <summary>The service that recorded an event, if a service did.</summary>
    public static string? ServiceOf(ContactEvent contact) =>
        contact.RecordedBy.StartsWith("service:", StringComparison.Ordinal) ? contact.RecordedBy["service:".Length..] : null;

    public static bool IsSynthetic(string? id) => id is not null && id.StartsWith("syn-", StringComparison.Ordinal);
}
