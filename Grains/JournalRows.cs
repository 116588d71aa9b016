using QpActors.Domain.Events;
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
}
