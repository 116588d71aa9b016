using System.Text.Json.Serialization;
using QpActors.Domain.Events;

namespace QpActors.Domain.Model;

public sealed record MemberRecord(string MemberId, MemberRole Role, DateTimeOffset At, string EventId) : ITimed;

/// <summary>
/// One concern's standing. Raises that are not later than the latest resolution are dropped, so
/// the concern is open exactly when some raise came after every resolution, in any arrival order.
/// </summary>
public sealed record ConcernRecord(
    Concern Concern,
    ValueList<Occurrence> OpenRaises,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Occurrence? LastResolved)
{
    [JsonIgnore]
    public bool IsOpen => !OpenRaises.IsEmpty;

    internal ConcernRecord Raise(Occurrence raise) =>
        LastResolved is not null && EventOrder.Compare(raise, LastResolved) <= 0
            ? this
            : this with { OpenRaises = OpenRaises.InsertSorted(raise, ByTime<Occurrence>.Instance) };

    internal ConcernRecord Resolve(Occurrence resolution)
    {
        var latest = EventOrder.IsLater(resolution, LastResolved) ? resolution : LastResolved!;
        return this with
        {
            LastResolved = latest,
            OpenRaises = new ValueList<Occurrence>(OpenRaises.Where(r => EventOrder.Compare(r, latest) > 0)),
        };
    }
}

/// <summary>An open concern as the early intervention team sees it.</summary>
/// <param name="RaisedOn">The first raise since the concern was last resolved.</param>
public sealed record OpenConcern(Concern Concern, DateTimeOffset RaisedOn, IReadOnlyList<string> EventIds);

/// <summary>A champion's contact with the family; each outreach's <see cref="Occurrence.Detail"/> is the service signposted.</summary>
public sealed record ChampionLink(string ChampionId, ValueList<Occurrence> Outreaches)
{
    [JsonIgnore]
    public DateTimeOffset LastOutreach => Outreaches[^1].At;

    [JsonIgnore]
    public IReadOnlyList<string> SignpostedTo =>
        Outreaches.Select(o => o.Detail).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    [JsonIgnore]
    public IReadOnlyList<string> EventIds => Outreaches.Select(o => o.EventId).ToArray();
}

/// <summary>The practitioner's decision behind a service level.</summary>
/// <param name="RecordedBy">The team or service that recorded it (<c>service:early-intervention</c> for the whole team).</param>
/// <param name="Practitioner">The person who made it (their token's subject); null for a decision stored before decisions named one.</param>
/// <param name="PractitionerName">Their display name (their token's <c>name</c>); null when the token had none, or for an older decision.</param>
public sealed record LevelDecision(ServiceLevel Level, string Reason, string RecordedBy, string? Practitioner, string? PractitionerName = null);

public sealed record ServiceScore(string Service, int Score);

public sealed record SurveyRecord(DateTimeOffset At, string EventId, string ChampionId, ValueList<ServiceScore> Satisfaction) : ITimed;

/// <summary>A line of the family's recent history, for "what changed".</summary>
/// <param name="Practitioner">Who made a level decision (see <see cref="ContactEvent.Practitioner"/>); null on every other line.</param>
/// <param name="PractitionerName">Their display name (see <see cref="ContactEvent.PractitionerName"/>); null on every other line.</param>
public sealed record HistoryEntry(DateTimeOffset At, string Type, string EventId, string RecordedBy, string? Practitioner = null, string? PractitionerName = null) : ITimed;
