using QpActors.Domain.Events;

namespace QpActors.Grains;

/// <summary>
/// Per-service contact counts for one child or family. Counting is commutative, and the journal admits
/// each event once, so tallies rebuilt from the journal equal the live ones whatever the arrival order.
/// </summary>
public sealed class ServiceTallies
{
    private readonly Dictionary<string, Tally> _byService = new(StringComparer.Ordinal);

    public void Add(ContactEvent contact)
    {
        var day = DateOnly.FromDateTime(contact.OccurredAt.UtcDateTime);
        if (RiskViews.ServiceOf(contact) is { } recorder && contact.Data is not AppointmentMissed)
        {
            var tally = For(recorder);
            tally.LastContact = tally.LastContact is { } last && last > day ? last : day;
            var month = day.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            tally.ByMonth[month] = tally.ByMonth.GetValueOrDefault(month) + 1;
        }

        switch (contact.Data)
        {
            case AppointmentMissed missed:
                var missedTally = For(missed.Service);
                missedTally.Missed++;
                var missedMonth = day.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
                missedTally.MissedByMonth[missedMonth] = missedTally.MissedByMonth.GetValueOrDefault(missedMonth) + 1;
                break;
            case ReferralMade made:
                For(made.From).ReferralsMade++;
                break;
            case ReferralAccepted accepted:
                For(accepted.To).ReferralsTakenUp++;
                break;
        }
    }

    /// <summary>The tallies with months older than thirteen before <paramref name="today"/> left out.</summary>
    public IReadOnlyList<ServiceContactTally> Snapshot(DateOnly today)
    {
        var oldest = today.AddMonths(-12).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        return _byService
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new ServiceContactTally(
                p.Key,
                p.Value.LastContact ?? DateOnly.MinValue,
                p.Value.ByMonth.Where(m => string.CompareOrdinal(m.Key, oldest) >= 0)
                    .OrderBy(m => m.Key, StringComparer.Ordinal)
                    .ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
                p.Value.Missed,
                p.Value.ReferralsMade,
                p.Value.ReferralsTakenUp,
                p.Value.MissedByMonth.Where(m => string.CompareOrdinal(m.Key, oldest) >= 0)
                    .OrderBy(m => m.Key, StringComparer.Ordinal)
                    .ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal)))
            .ToArray();
    }

    private Tally For(string service)
    {
        if (!_byService.TryGetValue(service, out var tally))
        {
            tally = new Tally();
            _byService[service] = tally;
        }

        return tally;
    }

    private sealed class Tally
    {
        public DateOnly? LastContact { get; set; }

        public SortedDictionary<string, int> ByMonth { get; } = new(StringComparer.Ordinal);

        public int Missed { get; set; }

        public SortedDictionary<string, int> MissedByMonth { get; } = new(StringComparer.Ordinal);

        public int ReferralsMade { get; set; }

        public int ReferralsTakenUp { get; set; }
    }
}
