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
/// <remarks>Every live child holds one, so it keeps a reference to its subject rather than two delegates, and no list until a first change.</remarks>
public sealed class RiskTimeline(IRiskSubject subject)
{
    /// <summary>How many changes are kept; older ones remain derivable from the journal.</summary>
    public const int HistoryLength = 50;

    private List<RiskChange>? _history;
    private double _score;
    private ServiceLevel _level = ServiceLevel.Universal;
    private DateTimeOffset _clock = DateTimeOffset.MinValue;

    public IReadOnlyList<RiskChange> History => _history ?? (IReadOnlyList<RiskChange>)[];

    public double Score => _score;

    public ServiceLevel Level => _level;

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

            changed |= Record(at, "time: review window");
        }

        if (until > _clock)
        {
            _clock = until;
        }

        return changed;
    }

    private bool Record(DateTimeOffset at, string cause, RiskAssessment? known = null)
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

        _history ??= [];
        _history.Add(new RiskChange(at, assessment.Score, assessment.SuggestedLevel.ToWireName(), _score, _level.ToWireName(), cause));
        if (_history.Count > HistoryLength)
        {
            _history.RemoveAt(0);
        }

        _score = assessment.Score;
        _level = assessment.SuggestedLevel;
        return true;
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
