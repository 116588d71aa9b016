using QpActors.Domain.Events;

namespace QpActors.Domain.Model;

/// <summary>
/// A recorder's mark that an event it recorded was entered in error, as a state keeps it: which event, which mark, who
/// marked it (always the marked event's recorder), when and why, and the family and child the mark was sent for (those of
/// the marked event).
/// </summary>
public sealed record MarkRecord(string MarkedEventId, string MarkEventId, string RecordedBy, DateTimeOffset At, string Reason, string? FamilyId, string? ChildId);

/// <summary>
/// The rules of <c>entered-in-error</c>. The journal stays append-only: a marked event keeps its row, and every fold
/// leaves it out, so a state holding marks is the fold of the events nobody marked, whatever order they arrived in.
/// </summary>
/// <remarks>
/// <para>
/// A mark is honoured only when its recorder recorded the marked event, and never for a level decision (the team sets
/// the level again) or for another mark (a mistaken mark is undone by posting the contact again under a new id). A mark
/// of an event recorded by someone else, or of a decision or a mark, counts as an event (its id is taken, the version
/// moves) and changes nothing else; the grains refuse such a mark before it is written, so the journal holds none, and
/// the fold's own check only keeps a hand-edited store from unmarking someone else's work.
/// </para>
/// <para>
/// Folding is commutative: a mark that arrives before its event is remembered, and the event, when it comes, is taken
/// as an id only. A mark that arrives after its event cannot be undone in place (the compact states keep no events), so
/// the state says <see cref="ChildState.NeedsRebuild"/> or <see cref="FamilyState.NeedsRebuild"/>, and its owner folds
/// again from the events (<see cref="ChildState.Fold"/> and <see cref="FamilyState.Fold"/> apply every mark first).
/// </para>
/// </remarks>
public static class MarksInError
{
    /// <summary>Bounds of a mark's reason: a few words at least, a paragraph at most.</summary>
    public const int MinReasonLength = 3;

    public const int MaxReasonLength = 500;

    /// <summary>What a sender is told when a mark names no event it may mark, the same whether the id exists elsewhere or not.</summary>
    public const string NotYours = "names no event of this child, family or champion that you recorded and that can be marked in error";

    /// <summary>Whether an event of this type may be marked at all: not a level decision, not a mark.</summary>
    public static bool CanBeMarked(ContactEvent target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Data is not (ServiceLevelSet or EnteredInError);
    }

    /// <summary>Whether <paramref name="mark"/> marks <paramref name="target"/>: the same recorder, a markable event, the same family and child.</summary>
    public static bool Marks(ContactEvent mark, ContactEvent target)
    {
        ArgumentNullException.ThrowIfNull(mark);
        ArgumentNullException.ThrowIfNull(target);
        return mark.Data is EnteredInError data
            && Names(data.EventId, mark.RecordedBy, mark.FamilyId, mark.ChildId, target)
            && CanBeMarked(target);
    }

    /// <summary>
    /// Whether <paramref name="mark"/> marks one of <paramref name="events"/> (the marked event's owner's events): the check
    /// a grain makes before it writes a mark, refusing it otherwise with <see cref="NotYours"/>.
    /// </summary>
    public static bool MarksOneOf(ContactEvent mark, IEnumerable<ContactEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return mark is { Data: EnteredInError data }
            && events.FirstOrDefault(e => string.Equals(e.EventId, data.EventId, StringComparison.Ordinal)) is { } target
            && Marks(mark, target);
    }

    /// <summary>
    /// Applies to <paramref name="events"/> the order a fold takes: the marks first, so that every event they mark arrives
    /// already marked and the fold needs no rebuild; only the events <paramref name="belongs"/> keeps.
    /// </summary>
    internal static IEnumerable<ContactEvent> MarksFirst(IEnumerable<ContactEvent> events, Func<ContactEvent, bool> belongs)
    {
        ArgumentNullException.ThrowIfNull(events);
        List<ContactEvent>? rest = null;
        foreach (var contactEvent in events)
        {
            if (!belongs(contactEvent))
            {
                continue;
            }

            if (contactEvent.Data is EnteredInError)
            {
                yield return contactEvent;
            }
            else
            {
                (rest ??= []).Add(contactEvent);
            }
        }

        foreach (var contactEvent in rest ?? [])
        {
            yield return contactEvent;
        }
    }

    /// <summary>
    /// The events that count: <paramref name="events"/> without the marks and without the events they mark, in the given
    /// order. For owners that count events outside the states (a service's or a champion's tallies).
    /// </summary>
    public static List<ContactEvent> Unmarked(IReadOnlyCollection<ContactEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Dictionary<string, List<ContactEvent>>? marks = null;
        foreach (var contact in events)
        {
            if (contact.Data is EnteredInError data)
            {
                marks ??= new(StringComparer.Ordinal);
                if (!marks.TryGetValue(data.EventId, out var list))
                {
                    marks[data.EventId] = list = [];
                }

                list.Add(contact);
            }
        }

        var kept = new List<ContactEvent>(events.Count);
        foreach (var contact in events)
        {
            if (contact.Data is EnteredInError)
            {
                continue;
            }

            if (marks is not null && marks.TryGetValue(contact.EventId, out var against) && against.Exists(m => Marks(m, contact)))
            {
                continue;
            }

            kept.Add(contact);
        }

        return kept;
    }

    /// <summary>The record a state keeps of a mark.</summary>
    internal static MarkRecord Record(ContactEvent mark, EnteredInError data) =>
        new(data.EventId, mark.EventId, mark.RecordedBy, mark.OccurredAt, data.Reason, mark.FamilyId, mark.ChildId);

    /// <summary>
    /// Whether one of <paramref name="marks"/> marks an event with this id, recorder and data: the check an event makes as
    /// it is applied, on a state that holds marks (none usually do, and pay only a null test).
    /// </summary>
    internal static bool IsMarked(ValueList<MarkRecord> marks, ContactEvent target)
    {
        if (!CanBeMarked(target))
        {
            return false;
        }

        foreach (var mark in marks)
        {
            if (Names(mark.MarkedEventId, mark.RecordedBy, mark.FamilyId, mark.ChildId, target))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a mark of this event id, by this recorder, sent for this family and child, names <paramref name="target"/>.</summary>
    private static bool Names(string markedEventId, string recordedBy, string? familyId, string? childId, ContactEvent target) =>
        string.Equals(markedEventId, target.EventId, StringComparison.Ordinal)
        && string.Equals(recordedBy, target.RecordedBy, StringComparison.Ordinal)
        && string.Equals(familyId, target.FamilyId, StringComparison.Ordinal)
        && string.Equals(childId, target.ChildId, StringComparison.Ordinal);

    /// <summary>Sorts marks by marked event, then by mark, so equal sets compare equal.</summary>
    internal static ValueList<MarkRecord> Add(ValueList<MarkRecord> marks, MarkRecord mark) => marks.InsertSorted(mark, ByIds.Instance);

    private sealed class ByIds : IComparer<MarkRecord>
    {
        public static readonly ByIds Instance = new();

        public int Compare(MarkRecord? x, MarkRecord? y)
        {
            var order = string.CompareOrdinal(x?.MarkedEventId, y?.MarkedEventId);
            return order != 0 ? order : string.CompareOrdinal(x?.MarkEventId, y?.MarkEventId);
        }
    }
}
