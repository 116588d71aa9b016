using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Grains;

namespace QpActors.Integration.Tests;

/// <summary>The compact per-service tallies a child keeps, against counts taken straight from the events.</summary>
public sealed class ServiceTalliesTests
{
    private static readonly DateOnly Today = new(2026, 11, 20);

    private readonly Contacts _contacts = new(new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero)), "tally");

    [Fact]
    public void Counts_each_services_contacts_per_month_and_leaves_out_months_older_than_twelve_newest_first()
    {
        var events = History();
        var tallies = new ServiceTallies();
        foreach (var contact in events)
        {
            tallies.Add(contact, ProgrammeCalendar.QueensPark);
        }

        var snapshot = tallies.Snapshot(Today);
        var oldest = Today.AddMonths(-12).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var expected = events
            .Where(e => e.RecordedBy.StartsWith("service:", StringComparison.Ordinal) && e.Data is not AppointmentMissed)
            .GroupBy(e => e.RecordedBy["service:".Length..], StringComparer.Ordinal)
            .OrderByDescending(g => g.Max(e => Day(e.OccurredAt)))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        Assert.True(expected.Count >= 3, "the history names at least three services, so their order is tested");

        Assert.Equal(expected.Select(g => g.Key), snapshot.Where(s => s.ContactsByMonth.Count > 0 || s.LastContact != DateOnly.MinValue).Select(s => s.ServiceId));
        foreach (var service in expected)
        {
            var tally = snapshot.Single(s => s.ServiceId == service.Key);
            var months = service
                .Select(e => Day(e.OccurredAt).ToString("yyyy-MM", CultureInfo.InvariantCulture))
                .Where(m => string.CompareOrdinal(m, oldest) >= 0)
                .GroupBy(m => m, StringComparer.Ordinal)
                .OrderByDescending(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, g.Count()));
            Assert.Equal(months, tally.ContactsByMonth);
            Assert.Equal(service.Max(e => Day(e.OccurredAt)), tally.LastContact);
        }

        var missed = snapshot.Single(s => s.ServiceId == "health-visiting");
        Assert.Equal(events.Count(e => e.Data is AppointmentMissed), missed.MissedAppointments);
        Assert.Equal(events.Count(e => e.Data is AppointmentMissed && e.OccurredAt >= new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero)), missed.MissedByMonth!.Values.Sum());
    }

    [Fact]
    public void Any_arrival_order_gives_the_same_tallies()
    {
        var events = History();
        var inOrder = new ServiceTallies();
        events.ForEach(contact => inOrder.Add(contact, ProgrammeCalendar.QueensPark));
        var shuffled = new ServiceTallies();
        foreach (var contact in events.OrderBy(_ => Random.Shared.Next()))
        {
            shuffled.Add(contact, ProgrammeCalendar.QueensPark);
        }

        Assert.Equal(
            ContributionJson.Serialize(inOrder.Snapshot(Today)),
            ContributionJson.Serialize(shuffled.Snapshot(Today)));
    }

    [Theory]
    [InlineData("2025-05-31T23:30:00+00:00", "2025-06-01")] // 00:30 British Summer Time on 1 June
    [InlineData("2025-06-01T00:30:00+01:00", "2025-06-01")] // the same instant as a phone in BST states it
    [InlineData("2024-12-31T23:30:00+00:00", "2024-12-31")] // winter: Greenwich Mean Time, so still 31 December
    [InlineData("2025-01-01T00:30:00+01:00", "2024-12-31")] // the same instant from a phone left on +01:00
    public void A_contact_near_midnight_counts_in_the_month_of_its_programme_day(string at, string day)
    {
        var instant = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture);
        var tallies = new ServiceTallies();
        tallies.Add(_contacts.Review("tally-f", "tally-c", "new-birth", instant), ProgrammeCalendar.QueensPark);
        tallies.Add(_contacts.Missed("tally-f", "tally-c", instant), ProgrammeCalendar.QueensPark);

        var visiting = Assert.Single(tallies.Snapshot(new DateOnly(2025, 6, 30)));

        Assert.Equal(DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture), visiting.LastContact);
        Assert.Equal([KeyValuePair.Create(day[..7], 1)], visiting.ContactsByMonth);
        Assert.Equal([KeyValuePair.Create(day[..7], 1)], visiting.MissedByMonth!);
    }

    [Fact]
    public void Shares_one_copy_of_repeated_short_values_and_keeps_long_ones_as_given()
    {
        var first = new string("stay-and-play".AsSpan());
        var second = new string("stay-and-play".AsSpan());
        Assert.NotSame(first, second);
        Assert.Same(SharedText.Share(first), SharedText.Share(second));

        var long1 = new string('x', SharedText.MaxLength + 1);
        Assert.Same(long1, SharedText.Share(long1));
    }

    private static DateOnly Day(DateTimeOffset at) => ProgrammeCalendar.QueensPark.DayOf(at);

    private List<ContactEvent> History()
    {
        var family = "tally-f";
        var child = "tally-c";
        var events = new List<ContactEvent> { _contacts.Birth(family, child, new DateOnly(2024, 9, 1)) };
        for (var month = 0; month < 20; month++)
        {
            var at = new DateTimeOffset(2024, 10, 3, 10, 0, 0, TimeSpan.Zero).AddMonths(month);
            events.Add(_contacts.Review(family, child, month == 0 ? "6-8-week" : "1-year", at));
            events.Add(_contacts.Registered(family, child, at.AddDays(1)));
            if (month % 3 == 0)
            {
                events.Add(_contacts.Missed(family, child, at.AddDays(2)));
            }
        }

        return events;
    }
}
