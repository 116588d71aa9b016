using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

public static class JournalRows
{
    /// <summary>The journal row of a contact event, indexed by every entity it concerns.</summary>
    /// <exception cref="InvalidOperationException">
    /// The event is a decision whose token's name was refused (<see cref="ContactEvent.PractitionerNameProblem"/>): such a
    /// decision is never recorded, not even without its name, so only a grain's fault reaches here with one.
    /// </exception>
    public static JournalEvent From(ContactEvent contact, string? wardCode, long entityVersion) =>
        contact.PractitionerNameProblem is not null
            ? throw new InvalidOperationException($"Event '{contact.EventId}' is a decision whose practitioner's name was refused; it is not recorded.")
            : new(
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
    /// The answer to an event whose id the journal already holds, by <see cref="ContactReceipt.ForRepeat"/>: the sender's
    /// own event again is a duplicate with the original acceptance's version; another recorder's id, or another event of
    /// the sender's under the id, is refused naming <c>eventId</c>. Only here, once an id is found taken, is the stored
    /// event read back and compared: the first write of an event pays nothing for it.
    /// </summary>
    /// <exception cref="JournalUnavailableException">
    /// The journal did not return the row (not yet visible to this read): whose it is cannot be told, so the caller retries.
    /// </exception>
    public static async Task<ContactReceipt> DuplicateReceiptAsync(this IEventJournal journal, ContactEvent repeat)
    {
        var (original, version) = await journal.FindSendersEventAsync(repeat);
        return original is null
            ? ContactReceipt.Rejected(repeat.EventId, [new FieldProblem("eventId", ContactReceipt.TakenByAnotherRecorder)])
            : ContactReceipt.ForRepeat(original, version, repeat);
    }

    /// <summary>
    /// The stored event under <paramref name="repeat"/>'s id with the version it was accepted at, when its sender's recorder
    /// recorded it; null when another recorder's row holds the id (its event is not even read: nothing of it is needed, or
    /// told). For an id the journal is known to hold.
    /// </summary>
    /// <exception cref="JournalUnavailableException">The journal did not return the row; the caller retries.</exception>
    public static async Task<(ContactEvent? Original, long Version)> FindSendersEventAsync(this IEventJournal journal, ContactEvent repeat)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(repeat);
        var original = await journal.FindEventAsync(repeat.EventId)
            ?? throw new JournalUnavailableException($"The event store holds event id '{repeat.EventId}' but did not return it; retry.");
        return string.Equals(original.RecordedBy, repeat.RecordedBy, StringComparison.Ordinal)
            ? (ContactEventJson.Deserialize(original.Payload.Bytes), original.EntityVersion)
            : (null, original.EntityVersion);
    }
}
