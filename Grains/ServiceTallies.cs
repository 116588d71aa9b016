using System.Globalization;
using QpActors.Domain;
using QpActors.Domain.Events;

namespace QpActors.Grains;

/// <summary>
/// Per-service contact counts for one child or family. Counting is commutative, and the journal admits
/// each event once, so tallies rebuilt from the journal equal the live ones whatever the arrival order.
/// </summary>
/// <remarks>
/// Every live child holds one, so it is kept small: a child sees two or three services, so a short array
/// beats a dictionary, and a month's count is one packed integer (month index and count) in a sorted array.
/// </remarks>
public sealed class ServiceTallies
{
    private Tally[] _byService = [];

    /// <param name="calendar">The programme's calendar, whose day (and so month) the contact is counted on.</param>
    public void Add(ContactEvent contact, ProgrammeCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(contact);
        ArgumentNullException.ThrowIfNull(calendar);
        var day = calendar.DayOf(contact.OccurredAt);
        if (RiskViews.ServiceOf(contact) is { } recorder && contact.Data is not AppointmentMissed)
        {
            var tally = For(recorder);
            tally.LastContact = tally.LastContact is { } last && last > day ? last : day;
            tally.Contacts = MonthCounts.Increment(tally.Contacts, day);
        }

        switch (contact.Data)
        {
            case AppointmentMissed missed:
                var missedTally = For(missed.Service);
                missedTally.Missed++;
                missedTally.MissedByMonth = MonthCounts.Increment(missedTally.MissedByMonth, day);
                break;
            case ReferralMade made:
                For(made.From).ReferralsMade++;
                break;
            case ReferralAccepted accepted:
                For(accepted.To).ReferralsTakenUp++;
                break;
        }
    }

    /// <summary>
    /// The tallies with months older than thirteen before <paramref name="today"/> left out, the service seen most
    /// recently first (then by id), and each one's months newest first.
    /// </summary>
    /// <remarks>
    /// The order depends only on the counts, not on the order events arrived in. It puts what the next contact most
    /// likely changes (this month's count of the service seen last) near the start of the contribution's JSON, which
    /// shortens what PostgreSQL logs for the rewrite (see <see cref="ContributionJson"/>).
    /// </remarks>
    public IReadOnlyList<ServiceContactTally> Snapshot(DateOnly today)
    {
        var oldest = MonthCounts.Index(today.AddMonths(-12));
        var snapshot = new ServiceContactTally[_byService.Length];
        for (var i = 0; i < _byService.Length; i++)
        {
            var tally = _byService[i];
            var entry = new ServiceContactTally(
                tally.ServiceId,
                tally.LastContact ?? DateOnly.MinValue,
                MonthCounts.From(tally.Contacts, oldest),
                tally.Missed,
                tally.ReferralsMade,
                tally.ReferralsTakenUp,
                MonthCounts.From(tally.MissedByMonth, oldest));

            // Insertion by last contact, newest first; equal dates keep the id order of _byService (a child has
            // two or three services, so this is cheaper than a sort and allocates nothing).
            var at = i;
            while (at > 0 && snapshot[at - 1].LastContact < entry.LastContact)
            {
                snapshot[at] = snapshot[at - 1];
                at--;
            }

            snapshot[at] = entry;
        }

        return snapshot;
    }

    private Tally For(string service)
    {
        // Kept sorted by service id, so snapshots list services in a stable order.
        var index = 0;
        for (; index < _byService.Length; index++)
        {
            var order = string.CompareOrdinal(_byService[index].ServiceId, service);
            if (order == 0)
            {
                return _byService[index];
            }

            if (order > 0)
            {
                break;
            }
        }

        var tally = new Tally(QpActors.Domain.SharedText.Share(service));
        var grown = new Tally[_byService.Length + 1];
        Array.Copy(_byService, grown, index);
        grown[index] = tally;
        Array.Copy(_byService, index, grown, index + 1, _byService.Length - index);
        _byService = grown;
        return tally;
    }

    private sealed class Tally(string serviceId)
    {
        public string ServiceId { get; } = serviceId;

        public DateOnly? LastContact { get; set; }

        public int[] Contacts { get; set; } = [];

        public int Missed { get; set; }

        public int[] MissedByMonth { get; set; } = [];

        public int ReferralsMade { get; set; }

        public int ReferralsTakenUp { get; set; }
    }

    /// <summary>Counts per calendar month, each packed as <c>(month index &lt;&lt; 16) | count</c>, sorted by month.</summary>
    private static class MonthCounts
    {
        private const int CountBits = 16;
        private const int CountMask = (1 << CountBits) - 1;
        private static readonly string?[] KeyCache = new string?[12 * 200];

        public static int Index(DateOnly day) => (day.Year * 12) + day.Month - 1;

        public static int[] Increment(int[] counts, DateOnly day)
        {
            var month = Index(day);
            for (var i = 0; i < counts.Length; i++)
            {
                var packed = counts[i];
                if (packed >> CountBits == month)
                {
                    if ((packed & CountMask) < CountMask)
                    {
                        counts[i] = packed + 1;
                    }

                    return counts;
                }
            }

            var grown = new int[counts.Length + 1];
            var at = 0;
            while (at < counts.Length && counts[at] >> CountBits < month)
            {
                grown[at] = counts[at];
                at++;
            }

            grown[at] = (month << CountBits) | 1;
            Array.Copy(counts, at, grown, at + 1, counts.Length - at);
            return grown;
        }

        /// <summary>
        /// The months from <paramref name="oldest"/> on, as a read-only map from <c>yyyy-MM</c> to the count.
        /// A snapshot is made for every contribution and serialised at once: a copied packed array behind a
        /// small view costs a fraction of a dictionary's buckets and entries.
        /// </summary>
        public static IReadOnlyDictionary<string, int> From(int[] counts, int oldest)
        {
            var first = 0;
            while (first < counts.Length && counts[first] >> CountBits < oldest)
            {
                first++;
            }

            return new View(counts[first..]);
        }

        /// <summary>
        /// Months newest first (the packed array is oldest first), each a packed count; keys are the shared
        /// <c>yyyy-MM</c> strings.
        /// </summary>
        private sealed class View(int[] packed) : IReadOnlyDictionary<string, int>
        {
            public int Count => packed.Length;

            public IEnumerable<string> Keys => this.Select(p => p.Key);

            public IEnumerable<int> Values => this.Select(p => p.Value);

            public int this[string key] => TryGetValue(key, out var count) ? count : throw new KeyNotFoundException(key);

            public bool ContainsKey(string key) => TryGetValue(key, out _);

            public bool TryGetValue(string key, out int value)
            {
                foreach (var p in packed)
                {
                    if (string.Equals(Key(p >> CountBits), key, StringComparison.Ordinal))
                    {
                        value = p & CountMask;
                        return true;
                    }
                }

                value = 0;
                return false;
            }

            public IEnumerator<KeyValuePair<string, int>> GetEnumerator()
            {
                for (var i = packed.Length - 1; i >= 0; i--)
                {
                    yield return new KeyValuePair<string, int>(Key(packed[i] >> CountBits), packed[i] & CountMask);
                }
            }

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }

        /// <summary><c>yyyy-MM</c>, made once per month rather than once per snapshot.</summary>
        private static string Key(int month)
        {
            var slot = month - (1900 * 12);
            if (slot < 0 || slot >= KeyCache.Length)
            {
                return Format(month);
            }

            return KeyCache[slot] ??= Format(month);
        }

        private static string Format(int month) =>
            string.Create(CultureInfo.InvariantCulture, $"{month / 12:0000}-{(month % 12) + 1:00}");
    }
}
