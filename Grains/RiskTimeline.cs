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
/// Every live child holds one, so it is kept small: a reference to its subject rather than two delegates;
/// the changes as structs in an exact-size array (each one's previous score is the change before it, so
/// only the first one's is kept); the causing event ids packed in one <see cref="EventIdTable"/>. The
/// <see cref="RiskChange"/> records are built when <see cref="History"/> is read.
/// </remarks>
public sealed class RiskTimeline(IRiskSubject subject)
{
    /// <summary>How many changes are kept; older ones remain derivable from the journal.</summary>
    public const int HistoryLength = 50;

    /// <summary>The cause of a change that time alone made.</summary>
    public const string TimeCause = "time: review window";

    private const int ByTime = -1;

    private Change[] _changes = [];
    private EventIdTable _causes;

    // Score and level before the first kept change.
    private double _firstPreviousScore;
    private ServiceLevel _firstPreviousLevel = ServiceLevel.Universal;

    private double _score;
    private ServiceLevel _level = ServiceLevel.Universal;
    private DateTimeOffset _clock = DateTimeOffset.MinValue;

    /// <summary>The kept changes, oldest first. Built on each read.</summary>
    public IReadOnlyList<RiskChange> History
    {
        get
        {
            if (_changes.Length == 0)
            {
                return [];
            }

            var history = new RiskChange[_changes.Length];
            var previousScore = _firstPreviousScore;
            var previousLevel = _firstPreviousLevel;
            for (var i = 0; i < _changes.Length; i++)
            {
                var change = _changes[i];
                history[i] = new RiskChange(
                    new DateTimeOffset(change.UtcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(change.OffsetMinutes)),
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

    /// <summary>How many changes were ever recorded (not only those kept): a cheap way to tell that the history moved.</summary>
    public long ChangesRecorded { get; private set; }

    /// <summary>Records the assessment after <paramref name="cause"/> was applied, at <paramref name="at"/>.</summary>
    /// <param name="known">The assessment at <paramref name="at"/> when the caller has just computed it.</param>
    public bool Observe(DateTimeOffset at, string cause, RiskAssessment? known = null)
    {
        AdvanceTo(at);
        return Record(at, cause, known);
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

        if (_changes.Length == HistoryLength)
        {
            Forget(1);
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
        return true;
    }

    /// <summary>Drops the oldest <paramref name="count"/> changes and their causes.</summary>
    private void Forget(int count)
    {
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

        public double Score { get; }

        /// <summary>Position of the causing event id in the timeline's table, or <see cref="ByTime"/>.</summary>
        public int Cause { get; }

        public short OffsetMinutes { get; }

        private byte Level { get; }

        public ServiceLevel SuggestedLevel => (ServiceLevel)Level;

        public Change WithCause(int cause) => new(UtcTicks, OffsetMinutes, Score, SuggestedLevel, cause);
    }
}

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
            ToInstant(s.DueFrom),
            ToInstant(s.DueBy),
            s.CompletedOn is { } done ? ToInstant(done) : null,
            StateName(s.Status))).ToArray();

    public static string StateName(ReviewState state) => state switch
    {
        ReviewState.NotYetDue => "not-yet-due",
        ReviewState.Due => "due",
        ReviewState.CompletedOnTime => "completed-on-time",
        ReviewState.CompletedLate => "completed-late",
        ReviewState.Overdue => "overdue",
        _ => state.ToString(),
    };

    public static DateTimeOffset ToInstant(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static ChildRiskView Child(ChildState state, RiskAssessment assessment, IReadOnlyList<ReviewStatus> reviews, IReadOnlyList<RiskChange> history) =>
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
