using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

public static class JournalRows
{
    /// <summary>The journal row of a contact event, indexed by every entity it concerns.</summary>
    public static JournalEvent From(ContactEvent contact, string? wardCode, long entityVersion) =>
        new(
            0,
            contact.EventId,
            contact.Type,
            contact.OccurredAt,
            contact.ReceivedAt,
            contact.RecordedBy,
            contact.FamilyId,
            contact.ChildId,
            RiskViews.ChampionOf(contact),
            wardCode,
            entityVersion,
            ContactEventJson.Serialize(contact));

    /// <summary>
    /// The answer to an event whose id the journal already holds. A receipt tells its sender only about the sender's own
    /// records: when the sender recorded the stored event (the same <see cref="ContactEvent.RecordedBy"/>, the caller's
    /// token, never the body), a retry learns what its first attempt did, the original acceptance's version, whatever
    /// the repeat carries. An id another recorder's event holds is rejected naming <c>eventId</c>, with version 0 and
    /// nothing of that event: its version is how many events a family or child holds, and the sender may not read it.
    /// A level decision is compared too: the gateway stamps a decision's time itself, so what makes a retry the same
    /// decision is its family, level and reason; another decision under the same id is refused, not answered as done. Its
    /// practitioner is not compared: a retry under a colleague's token on the same team is the team's own repeat, answered
    /// as such, and the practitioner who first made the decision stays named.
    /// </summary>
    /// <exception cref="JournalUnavailableException">
    /// The journal did not return the row (not yet visible to this read): whose it is cannot be told, so the caller retries.
    /// </exception>
    public static async Task<ContactReceipt> DuplicateReceiptAsync(this IEventJournal journal, ContactEvent repeat)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(repeat);
        var original = await journal.FindEventAsync(repeat.EventId)
            ?? throw new JournalUnavailableException($"The event store holds event id '{repeat.EventId}' but did not return it; retry.");
        if (!string.Equals(original.RecordedBy, repeat.RecordedBy, StringComparison.Ordinal))
        {
            return ContactReceipt.Rejected(repeat.EventId, [new FieldProblem("eventId", TakenByAnotherRecorder)]);
        }

        if (repeat.Data is ServiceLevelSet && !SameDecision(ContactEventJson.Deserialize(original.Payload.Bytes), repeat))
        {
            return ContactReceipt.Rejected(repeat.EventId, [new FieldProblem("eventId", NamesAnotherDecision)]);
        }

        return new ContactReceipt(repeat.EventId, ReceiptStatus.Duplicate, original.EntityVersion, []);
    }

    public const string TakenByAnotherRecorder =
        "is already the id of an event another recorder recorded; nothing was recorded: send this event under an id of its own";

    public const string NamesAnotherDecision =
        "is already the id of another level decision (another family, level or reason); nothing was changed: a new decision needs a new eventId";

    private static bool SameDecision(ContactEvent stored, ContactEvent repeat) =>
        stored.Type == repeat.Type &&
        string.Equals(stored.FamilyId, repeat.FamilyId, StringComparison.Ordinal) &&
        string.Equals(stored.ChildId, repeat.ChildId, StringComparison.Ordinal) &&
        Equals(stored.Data, repeat.Data);
}
