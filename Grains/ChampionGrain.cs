using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>What a champion has done that no journal query can answer: the closed loop.</summary>
public sealed class ChampionLoopState
{
    /// <summary>Families this champion signposted who later registered with or attended the centre (family id -> event id).</summary>
    public Dictionary<string, string> Reached { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A community health or maternity champion. Outreach, surveys and drop-ins are rebuilt from the
/// journal rows that name the champion; the closed loop (signposted families later reached) arrives
/// from families and is kept in grain storage, written only when a new family is reached.
/// </summary>
public sealed class ChampionGrain(
    IEventJournal journal,
    [PersistentState("champion-loop", QpStorage.Name)] IPersistentState<ChampionLoopState> loop) : Grain, IChampionGrain
{
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _signposted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _familyWards = new(StringComparer.Ordinal);
    private int _outreach;
    private int _surveys;
    private int _dropIns;

    private string ChampionId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var rows = await journal.ReadEventsAsync(EventQuery.ForChampion(ChampionId), cancellationToken);
        foreach (var row in rows)
        {
            Count(ContactEventJson.Deserialize(row.Payload), row.WardCode);
        }
    }

    public async Task<ContactReceipt> RecordAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (contact.Data is not DropInHosted)
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("type", "only drop-in-hosted is recorded by a champion directly")]);
        }

        if (_eventIds.Contains(contact.EventId))
        {
            return await journal.DuplicateReceiptAsync(contact.EventId, _eventIds.Count);
        }

        var appended = await journal.AppendAsync(new JournalWrite(JournalRows.From(contact, null, _eventIds.Count + 1), [], [], []));
        if (!appended.Inserted)
        {
            return await journal.DuplicateReceiptAsync(contact.EventId, _eventIds.Count);
        }

        Count(contact, null);
        return new ContactReceipt(contact.EventId, ReceiptStatus.Accepted, _eventIds.Count, []);
    }

    public Task ContactRecordedAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        Count(contact, null);
        return Task.CompletedTask;
    }

    public async Task SignpostedFamilyReachedAsync(string familyId, string eventId, DateTimeOffset reachedAt)
    {
        if (!_signposted.ContainsKey(familyId) || loop.State.Reached.ContainsKey(familyId))
        {
            return;
        }

        loop.State.Reached[familyId] = eventId;
        await loop.WriteStateAsync();
    }

    public Task<ChampionSummary> GetSummaryAsync()
    {
        var byService = _signposted.Values
            .GroupBy(s => s, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return Task.FromResult(new ChampionSummary(
            ChampionId,
            _outreach,
            _signposted.Count,
            byService,
            loop.State.Reached.Count,
            _surveys,
            _dropIns,
            _eventIds.Count));
    }

    private void Count(ContactEvent contact, string? ward)
    {
        if (!_eventIds.Add(contact.EventId))
        {
            return;
        }

        switch (contact.Data)
        {
            case ChampionOutreach outreach:
                _outreach++;
                if (outreach.SignpostedTo is { } service && contact.FamilyId is { } family)
                {
                    _signposted[family] = service;
                }

                break;
            case SurveyCompleted:
                _surveys++;
                break;
            case DropInHosted:
                _dropIns++;
                break;
        }

        if (ward is not null && contact.FamilyId is { } familyId)
        {
            _familyWards[familyId] = ward;
        }
    }

}
