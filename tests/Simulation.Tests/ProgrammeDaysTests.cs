using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

/// <summary>
/// Synthetic data carries the programme's calendar dates (Europe/London), as the gateway reads them: a seed run just after
/// London's midnight ends on London's today, not on the UTC date that is still yesterday, and a date of birth is the
/// London date of the birth.
/// </summary>
public sealed class ProgrammeDaysTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    [Fact]
    public void A_seed_just_after_the_programmes_midnight_ends_on_its_today_and_dates_nothing_after_it()
    {
        // 23:20 UTC on 1 June 2026 is 00:20 BST on 2 June.
        var now = new DateTimeOffset(2026, 6, 1, 23, 20, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);

        var (start, end) = GeneratorOptions.EndingToday(clock, ProgrammeDays.QueensPark, years: 1);
        var options = new GeneratorOptions(5, ["queens-park"], 300, start, end);

        Assert.Equal(new DateOnly(2026, 6, 2), end);
        Assert.Equal(new DateOnly(2025, 6, 2), start);
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 23, 0, 0, TimeSpan.Zero), options.AsOf);
        var contacts = new ContactGenerator(options).Generate().ToList();
        Assert.NotEmpty(contacts);
        Assert.All(contacts, c => Assert.True(c.SentAt <= now, $"{c.EventId} is sent after now"));
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, London).DateTime);
        Assert.All(
            contacts.Where(c => c.Type == "birth-notified"),
            c => Assert.True(DateOfBirth(c) <= today, $"{c.EventId} is born after today in London"));
    }

    [Fact]
    public void A_date_of_birth_is_the_london_date_of_the_birth_even_late_on_a_summer_evening()
    {
        var options = new GeneratorOptions(11, ["queens-park"], 2_000, new DateOnly(2024, 1, 1), new DateOnly(2026, 1, 1));
        var profile = WardProfileSet.Default.Resolve("queens-park");
        var ward = new WardTimeline(profile, 0, SimulationTotals.ChildrenPerWard([profile], options)[0], options);
        var posted = new ContactGenerator(options).Generate()
            .Where(c => c.Type == "birth-notified" && !c.IsDuplicateSend)
            .ToDictionary(c => c.ToJsonObject()["childId"]!.GetValue<string>(), DateOfBirth, StringComparer.Ordinal);

        var births = Enumerable.Range(0, ward.Children)
            .Select(child => (Id: ward.ChildId(child), At: new DateTimeOffset(ward.BirthTicks(child), TimeSpan.Zero)))
            .Where(b => posted.ContainsKey(b.Id))
            .ToList();

        // Births between 23:00 and midnight UTC in summer fall on the next day in London: the run must have some.
        Assert.Contains(births, b => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(b.At, London).DateTime) != DateOnly.FromDateTime(b.At.UtcDateTime));
        Assert.All(births, b => Assert.Equal(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(b.At, London).DateTime), posted[b.Id]));
    }

    private static DateOnly DateOfBirth(GeneratedContact contact) =>
        DateOnly.ParseExact(contact.ToJsonObject()["data"]!["dateOfBirth"]!.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
