namespace QpActors.Domain.Events;

/// <summary>
/// One contact with a family, as recorded by a service or a champion. Facts only: states, schedules
/// and risk are all derived from these.
/// </summary>
/// <param name="EventId">Client-generated idempotency key: the same id twice is the same event.</param>
/// <param name="Type">Kebab-case catalogue name; always agrees with <paramref name="Data"/>.</param>
/// <param name="OccurredAt">When the contact happened, with the recorder's offset.</param>
/// <param name="FamilyId">Null only for <c>drop-in-hosted</c>.</param>
/// <param name="ChildId">Present when the contact was about one child.</param>
/// <param name="RecordedBy">The caller's identity (<c>service:&lt;id&gt;</c> or <c>champion:&lt;id&gt;</c>), never taken from the body.</param>
/// <param name="ReceivedAt">When the system accepted it.</param>
/// <param name="Practitioner">
/// Who made a level decision: the subject of the token that recorded it, never taken from the body. The recorder is a
/// team or service (every early intervention practitioner records as <c>service:early-intervention</c>, which receipts
/// and duplicate detection rely on); a decision must also name the person accountable for it. Null for every other
/// event, and for a decision stored before decisions named their practitioner.
/// </param>
/// <param name="PractitionerName">
/// The practitioner's display name, from the same token's <c>name</c> claim (<see cref="PractitionerNames"/>), kept beside
/// <paramref name="Practitioner"/> so colleagues can read who decided. Null where the token carried none, for every event
/// but a level decision, and for a decision stored before decisions kept a name.
/// </param>
public sealed record ContactEvent(
    string EventId,
    string Type,
    DateTimeOffset OccurredAt,
    string? FamilyId,
    string? ChildId,
    string RecordedBy,
    DateTimeOffset ReceivedAt,
    EventData Data,
    string? Practitioner = null,
    string? PractitionerName = null)
{
    /// <summary>
    /// Why the name the posting token carries cannot be kept with this level decision (<see cref="PractitionerNames.Check(IReadOnlyList{string})"/>),
    /// on a posted decision only; the event then carries no <see cref="PractitionerName"/>. It is not stored (the journal's
    /// form leaves it out) and never recorded: the family grain answers a repeat of a decision it holds with the original
    /// receipt, as a retry must whatever its token's name (the name is not part of the compared event, see
    /// <see cref="IsRepeatOf"/>), and refuses any other, naming <see cref="PractitionerNames.Field"/>. Only the family
    /// knows which ids it holds, from its events in memory, so the refusal waits until then; a first write of a decision
    /// with a good name is asked nothing more.
    /// </summary>
    public string? PractitionerNameProblem { get; init; }

    /// <summary>
    /// Whether <paramref name="repeat"/>, sent under this event's id, is this event again: the fields its client sent,
    /// compared as values (so the JSON's key order and spacing, an optional field sent as null or left out, and an instant
    /// written in another offset make no difference), and none that the system stamps. A device that drops its copy on a
    /// duplicate receipt would lose any other event sent under the id, so only this one is answered as done.
    /// </summary>
    /// <remarks>
    /// Not compared: <see cref="ReceivedAt"/>, which every attempt gets anew; <see cref="RecordedBy"/>, which the caller
    /// compares first (an id another recorder holds is refused for that reason, naming nothing of its event); and
    /// <see cref="Practitioner"/> and <see cref="PractitionerName"/>, the token's person, as a team's retry under a
    /// colleague's token is the team's own repeat. A level decision's <see cref="OccurredAt"/> is not compared either: the level endpoint stamps it itself on
    /// every attempt, so a decision is the same one by its family, level and reason.
    /// </remarks>
    public bool IsRepeatOf(ContactEvent original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return string.Equals(Type, original.Type, StringComparison.Ordinal) &&
            string.Equals(FamilyId, original.FamilyId, StringComparison.Ordinal) &&
            string.Equals(ChildId, original.ChildId, StringComparison.Ordinal) &&
            Equals(Data, original.Data) &&
            (Data is ServiceLevelSet || OccurredAt.Equals(original.OccurredAt));
    }
}
