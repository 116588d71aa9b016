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
    /// The receipt for an event id the journal already holds: the original acceptance's version, so a
    /// retry learns what its first attempt did. <paramref name="fallbackVersion"/> covers a row not yet
    /// visible to this read.
    /// </summary>
    public static async Task<ContactReceipt> DuplicateReceiptAsync(this IEventJournal journal, string eventId, long fallbackVersion)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var original = await journal.FindEventAsync(eventId);
        return new ContactReceipt(eventId, ReceiptStatus.Duplicate, original?.EntityVersion ?? fallbackVersion, []);
    }
}
