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

    /// <summary>The cause of a change that time alone made.</summary>
    public const string TimeCause = "time: review window";

    private const int ByTime = -1;

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
                history[i - first] = new RiskChange(
                    change.At,
                    change.Score,
                    change.SuggestedLevel.ToWireName(),
                    previousScore,
                    previousLevel.ToWireName(),
                    change.Cause == ByTime ? TimeCause : _causes.Get(change.Cause));
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
                var before = i == 0 ? _firstPreviousLevel : _changes[i - 1].SuggestedLevel;
                if (_changes[i].SuggestedLevel != before)
                {
                    return new LevelChange(_changes[i].At, before);
                }
            }

            return _forgottenLevelChange;
        }
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
            if (next is not { } at || at > until)
            {
                break;
            }

            if (at <= _clock)
            {
                at = _clock.AddTicks(1);
            }

            changed |= Record(at, null);
        }

        if (until > _clock)
        {
            _clock = until;
        }

        return changed;
    }

    /// <param name="cause">The event id, or null when time made the change.</param>
    private bool Record(DateTimeOffset at, string? cause, RiskAssessment? known = null)
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

        var position = ByTime;
        if (cause is not null && cause != TimeCause)
        {
            _causes = _causes.Add(cause, out position);
        }

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

        return true;
    }

    /// <summary>How many of the latest changes time made after the last observed event: those a later event may take back.</summary>
    private int Provisional()
    {
        var count = 0;
        for (var i = _changes.Length - 1; i >= 0 && _changes[i].Cause == ByTime && _changes[i].UtcTicks > _observed.UtcTicks; i--)
        {
            count++;
        }

        return count;
    }

    /// <summary>Takes back the changes time made after <paramref name="instant"/>.</summary>
    private void TakeBackAfter(DateTimeOffset instant)
    {
        var kept = _changes.Length;
        while (kept > 0 && _changes[kept - 1].Cause == ByTime && _changes[kept - 1].UtcTicks > instant.UtcTicks)
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
        var previous = _firstPreviousLevel;
        for (var i = 0; i < count; i++)
        {
            if (_changes[i].SuggestedLevel != previous)
            {
                _forgottenLevelChange = new LevelChange(_changes[i].At, previous);
            }

            previous = _changes[i].SuggestedLevel;
        }

        _firstPreviousScore = _changes[count - 1].Score;
        _firstPreviousLevel = _changes[count - 1].SuggestedLevel;
        var kept = _changes[count..];
        var causes = default(EventIdTable);
        for (var i = 0; i < kept.Length; i++)
        {
            if (kept[i].Cause != ByTime)
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

        /// <summary>Position of the causing event id in the timeline's table, or <see cref="ByTime"/>.</summary>
        public int Cause { get; }

        public short OffsetMinutes { get; }

        private byte Level { get; }

        public ServiceLevel SuggestedLevel => (ServiceLevel)Level;

        public Change WithCause(int cause) => new(UtcTicks, OffsetMinutes, Score, SuggestedLevel, cause);
    }
}

/// <summary>A change of the suggested level: when, and the level it changed from.</summary>
public sealed record LevelChange(DateTimeOffset At, ServiceLevel From);

/// <summary>What a <see cref="RiskTimeline"/> follows: a child or a family, assessed as of any instant.</summary>
public interface IRiskSubject
{
    RiskAssessment Assess(DateTimeOffset at);

    /// <summary>The next instant strictly after <paramref name="at"/> at which time alone changes the assessment; null if none.</summary>
    DateTimeOffset? NextChange(DateTimeOffset at);
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
