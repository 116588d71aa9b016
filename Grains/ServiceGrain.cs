using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Figures.Indicators;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// A service's own view of its work: the contacts it recorded, read from the journal rows it recorded.
/// Services are not told per event (that would put one grain on the path of every event a busy service
/// records); a summary reads what the journal gained since the last one, at most every few seconds.
/// </summary>
public sealed class ServiceGrain(IEventJournal journal, GrainClock time, ProgrammeCalendar calendar) : Grain, IServiceGrain
{
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, string Type, string? ChildId, string? FamilyId)> _contacts = [];
    private readonly List<int> _satisfaction = [];
    private int _referralsIn;
    private int _referralsOut;
    private int _dropIns;

    // Set when a refresh met one of the service's entered-in-error marks (rare): the tallies are then counted again from
    // every event the service recorded that nobody marked, as the marked event may have been counted long before.
    private bool _countAgain;

    private string ServiceId => this.GetPrimaryKeyString();

    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The event types that record an appointment the child was brought to: a mandated review and a vaccination, the
    /// appointments whose missing is recorded as <c>appointment-missed</c> ("was not brought"). Sessions and drop-ins are
    /// open to all and never recorded as missed, and registrations, births, concerns, referrals and A&amp;E visits are no
    /// appointment of the service's, so none of them is in the missed appointment rate's denominator.
    /// </summary>
    public static readonly IReadOnlySet<string> AttendedAppointmentTypes =
        new HashSet<string>([EventTypes.ReviewCompleted, EventTypes.ImmunisationGiven], StringComparer.Ordinal);

    /// <summary>Rows a refresh reads at a time.</summary>
    public const int PageSize = 1_000;

    /// <summary>
    /// How long after a read its newest sequence number counts as settled. The journal's flushers commit in parallel,
    /// so a row can get a lower sequence number than one already read and commit after it, but no later than a commit
    /// can take. Each refresh reads from the newest number settled this long, and counts a re-read row once by its id.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(1);

    // ReadAt and _refreshedAt are the grain clock's timestamps, so a test ends an interval by moving the clock.
    private readonly Queue<(long ReadAt, long NewestSeq)> _reads = new();
    private long _settledSeq;
    private long? _refreshedAt;

    private async Task RefreshAsync()
    {
        var now = time.GetTimestamp();
        if (_refreshedAt is { } refreshed && time.GetElapsedTime(refreshed, now) < RefreshEvery)
        {
            return;
        }

        while (_reads.TryPeek(out var read) && time.GetElapsedTime(read.ReadAt, now) >= Settle)
        {
            _settledSeq = Math.Max(_settledSeq, _reads.Dequeue().NewestSeq);
        }

        // Page by page, counting as it goes: the first refresh reads everything the service ever recorded.
        var after = _settledSeq;
        await foreach (var page in journal.ReadPagesAsync(EventQuery.ForRecorder("service:" + ServiceId, after) with { Limit = PageSize }))
        {
            foreach (var row in page)
            {
                if (!_eventIds.Contains(row.EventId))
                {
                    Count(ContactEventJson.Deserialize(row.Payload.Bytes));
                }
            }

            after = page.Count > 0 ? page[^1].Seq : after;
        }

        _reads.Enqueue((now, after));
        _refreshedAt = now;
        if (_countAgain)
        {
            await CountAgainAsync();
        }
    }

    public async Task<ContactReceipt> RecordAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (contact.Data is not DropInHosted || RiskViews.ServiceOf(contact) != ServiceId)
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("type", "a service records only the drop-ins it hosted itself")]);
        }

        // The version counts every event the service recorded: a fresh activation has read none of them yet.
        await RefreshAsync();
        if (_eventIds.Contains(contact.EventId))
        {
            return await journal.DuplicateReceiptAsync(contact);
        }

        var appended = await journal.AppendAsync(new JournalWrite(JournalRows.From(contact, null, _eventIds.Count + 1), [], [], []));
        if (!appended.Inserted)
        {
            return await journal.DuplicateReceiptAsync(contact);
        }

        Count(contact);
        return new ContactReceipt(contact.EventId, ReceiptStatus.Accepted, _eventIds.Count, []);
    }

    public async Task<ServiceSummary> GetSummaryAsync()
    {
        await RefreshAsync();
        // The month and the last 12 months are the programme's, and the same months as in the ward's figures (this month
        // and the eleven before it: the ward sums per-month tallies), though the journal's instants would allow a year of days.
        var today = calendar.DayOf(time.GetUtcNow());
        var yearFrom = calendar.StartOf(ReportingPeriod.Last12Months(today).Start);
        var firstOfMonth = new DateOnly(today.Year, today.Month, 1);
        var (monthFrom, monthUntil) = (calendar.StartOf(firstOfMonth), calendar.StartOf(firstOfMonth.AddMonths(1)));
        var recent = _contacts.Where(c => c.At >= yearFrom).ToList();
        var missed = recent.Count(c => c.Type == EventTypes.AppointmentMissed);

        // Of the appointments the service offered in the months, the share the child was not brought to.
        var attended = recent.Count(c => AttendedAppointmentTypes.Contains(c.Type));
        return new ServiceSummary(
            ServiceId,
            recent.Where(c => c.ChildId is not null).Select(c => c.ChildId).Distinct(StringComparer.Ordinal).Count(),
            recent.Where(c => c.FamilyId is not null).Select(c => c.FamilyId).Distinct(StringComparer.Ordinal).Count(),
            // The same months as the counts beside it, so the types add up to contactsLast12Months.
            recent.GroupBy(c => c.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            _contacts.Count(c => c.At >= monthFrom && c.At < monthUntil),
            recent.Count,
            missed,
            missed + attended == 0 ? null : (double)missed / (missed + attended),
            _referralsIn,
            _referralsOut,
            _satisfaction.Count == 0 ? null : _satisfaction.Average(),
            _satisfaction.Count,
            _eventIds.Count,
            _dropIns);
    }

    public Task MarkRecordedAsync()
    {
        // The mark is in the journal: the next refresh reads it (and counts everything again, as it holds a mark).
        _refreshedAt = null;
        return Task.CompletedTask;
    }

    private void Count(ContactEvent contact)
    {
        if (!_eventIds.Add(contact.EventId))
        {
            return;
        }

        if (contact.Data is EnteredInError)
        {
            // A mark is no contact; the event it marks stops counting.
            _countAgain = true;
            return;
        }

        Tally(contact);
    }

    /// <summary>Counts the tallies again from every event the service recorded that nobody marked in error.</summary>
    private async Task CountAgainAsync()
    {
        var events = new List<ContactEvent>();
        await foreach (var page in journal.ReadPagesAsync(EventQuery.ForRecorder("service:" + ServiceId, 0) with { Limit = PageSize }))
        {
            foreach (var row in page)
            {
                // Rows committed since the refresh are counted here, and so not again by the next one.
                _eventIds.Add(row.EventId);
                events.Add(ContactEventJson.Deserialize(row.Payload.Bytes));
            }
        }

        _contacts.Clear();
        _satisfaction.Clear();
        _referralsIn = _referralsOut = _dropIns = 0;
        foreach (var contact in MarksInError.Unmarked(events))
        {
            Tally(contact);
        }

        _countAgain = false;
    }

    private void Tally(ContactEvent contact)
    {
        _contacts.Add((contact.OccurredAt, contact.Type, contact.ChildId, contact.FamilyId));
        switch (contact.Data)
        {
            case ReferralMade made when made.To == ServiceId:
                _referralsIn++;
                break;
            case ReferralMade made when made.From == ServiceId:
                _referralsOut++;
                break;
            case SurveyCompleted survey when survey.Satisfaction.TryGetValue(ServiceId, out var score):
                _satisfaction.Add(score);
                break;
            case DropInHosted:
                _dropIns++;
                break;
        }
    }
}
