using System.Text.Json.Nodes;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// The ward's indicators count each review as the child's review schedule counts it (review-schedule.v2, indicators.v2),
/// from recorded events, and the same after the silo restarts and the ward reads its entries back from the store.
/// </summary>
public sealed class ReviewCountingTests
{
    [Fact]
    public async Task On_SQLite_the_indicators_count_reviews_as_the_schedule_does()
    {
        await using var cluster = await Cluster.StartAsync();
        await IndicatorsCountReviewsAsTheScheduleDoes(cluster, "rc-sqlite");
    }

    [PostgresFact]
    public async Task On_PostgreSQL_the_indicators_count_reviews_as_the_schedule_does()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync();
        await IndicatorsCountReviewsAsTheScheduleDoes(cluster, "rc-postgres");
    }

    [Fact]
    public async Task On_SQLite_an_antenatal_contact_on_the_day_of_birth_counts_nowhere()
    {
        await using var cluster = await Cluster.StartAsync();
        await AContactOnTheDayOfBirthCountsNowhere(cluster, "rc-birthday-sqlite");
    }

    [PostgresFact]
    public async Task On_PostgreSQL_an_antenatal_contact_on_the_day_of_birth_counts_nowhere()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync();
        await AContactOnTheDayOfBirthCountsNowhere(cluster, "rc-birthday-postgres");
    }

    /// <summary>
    /// A contact dated the day of birth cannot be shown to be before the birth: the child's schedule shows the antenatal
    /// contact missed, its score counts it so, and C1 does not count it; a contact the day before counts in all three.
    /// </summary>
    private static async Task AContactOnTheDayOfBirthCountsNowhere(Cluster cluster, string ward)
    {
        // The clock reads 1 June 2026. Both due 20 February 2026, born 12 February 2026 (inside the last 12 months).
        var events = new Events(cluster.Clock, ward);
        var booking = new JsonObject { ["expectedDueDate"] = "2026-02-20", ["gestationWeeks"] = 11 };
        var onTheDay = events.NewId("c");
        var dayBefore = events.NewId("c");
        var familyOnTheDay = events.NewId("f");
        var familyDayBefore = events.NewId("f");
        await Events.RecordAllAsync(cluster.Client,
        [
            events.Make(EventTypes.PregnancyBooked, familyOnTheDay, onTheDay, Noon(2025, 8, 1), booking.DeepClone().AsObject()),
            events.Review(familyOnTheDay, onTheDay, "antenatal", new DateTimeOffset(2026, 2, 12, 8, 0, 0, TimeSpan.Zero)),
            events.Birth(familyOnTheDay, onTheDay, new DateOnly(2026, 2, 12), ward),
            events.Make(EventTypes.PregnancyBooked, familyDayBefore, dayBefore, Noon(2025, 8, 1), booking.DeepClone().AsObject()),
            events.Review(familyDayBefore, dayBefore, "antenatal", Noon(2026, 2, 11)),
            events.Birth(familyDayBefore, dayBefore, new DateOnly(2026, 2, 12), ward),
            // Both had their new birth visit and 6-8 week review on time: the antenatal contact is the only review in question.
            events.Review(familyOnTheDay, onTheDay, "new-birth", Noon(2026, 2, 24)),
            events.Review(familyOnTheDay, onTheDay, "6-8-week", Noon(2026, 4, 1)),
            events.Review(familyDayBefore, dayBefore, "new-birth", Noon(2026, 2, 24)),
            events.Review(familyDayBefore, dayBefore, "6-8-week", Noon(2026, 4, 1)),
        ]);
        await cluster.DrainAsync();

        var missed = await cluster.Client.GetGrain<IChildGrain>(onTheDay).GetRiskAsync();
        var antenatal = Assert.Single(missed.Reviews, r => r.Review == "antenatal");
        Assert.Equal(("missed", null), (antenatal.Status, antenatal.CompletedOn));
        Assert.Contains(missed.Factors, f => f.Id == "overdue-reviews");

        var done = await cluster.Client.GetGrain<IChildGrain>(dayBefore).GetRiskAsync();
        Assert.Equal(new DateOnly(2026, 2, 11), Assert.Single(done.Reviews, r => r.Review == "antenatal").CompletedOn);
        Assert.DoesNotContain(done.Factors, f => f.Id == "overdue-reviews");

        var document = await Figures.WardAsync(cluster.Client, ward);
        Assert.Equal((1, 2), Indicator(document, "C1"));
    }

    private static async Task IndicatorsCountReviewsAsTheScheduleDoes(Cluster cluster, string ward)
    {
        // The clock reads 1 June 2026: the figures' last 12 months run from 1 June 2025.
        var events = new Events(cluster.Clock, ward);
        var asq3 = new JsonObject { ["communication"] = 40, ["grossMotor"] = 50, ["fineMotor"] = 45, ["problemSolving"] = 35, ["personalSocial"] = 40 };
        await Events.RecordAllAsync(cluster.Client,
        [
            // A "1-year review" at 4 months; 12 months on 15 January 2026, 15 months on 15 April: in C4's and C5's cohorts.
            events.Birth("f-a", "early-1y", new DateOnly(2025, 1, 15), ward),
            events.Review("f-a", "early-1y", "1-year", Noon(2025, 5, 15)),
            // A "2-2½ year review" with ASQ-3 at 14 months; 2½ on 15 March 2026.
            events.Birth("f-b", "early-2y", new DateOnly(2023, 9, 15), ward),
            events.Make(EventTypes.ReviewCompleted, "f-b", "early-2y", Noon(2024, 11, 15), new JsonObject { ["review"] = "2-year", ["asq3"] = asq3.DeepClone() }),
            // The review at 26 months without ASQ-3, the questionnaire at a second contact at 31 months; 2½ on 15 April 2026.
            events.Birth("f-c", "late-asq3", new DateOnly(2023, 10, 15), ward),
            events.Review("f-c", "late-asq3", "2-year", Noon(2025, 12, 15)),
            events.Make(EventTypes.ReviewCompleted, "f-c", "late-asq3", Noon(2026, 5, 15), new JsonObject { ["review"] = "2-year", ["asq3"] = asq3.DeepClone() }),
            // Due 1 February 2026, born 1 October 2025 at about 23 weeks: no antenatal contact was ever owed.
            events.Make(EventTypes.PregnancyBooked, "f-d", "very-premature", Noon(2025, 7, 1), new JsonObject { ["expectedDueDate"] = "2026-02-01", ["gestationWeeks"] = 10 }),
            events.Birth("f-d", "very-premature", new DateOnly(2025, 10, 1), ward),
            // Due 10 January 2026, seen at 32 weeks, born 8 January.
            events.Make(EventTypes.PregnancyBooked, "f-e", "at-term", Noon(2025, 7, 1), new JsonObject { ["expectedDueDate"] = "2026-01-10", ["gestationWeeks"] = 11 }),
            events.Review("f-e", "at-term", "antenatal", Noon(2025, 11, 20)),
            events.Birth("f-e", "at-term", new DateOnly(2026, 1, 8), ward),
        ]);
        await cluster.DrainAsync();

        AssertCounted(await Figures.WardAsync(cluster.Client, ward));

        // The ward reads the children's entries back from the store (qp_ward_entries): the same figures.
        await cluster.RestartAsync();
        AssertCounted(await Figures.WardAsync(cluster.Client, ward));
    }

    private static void AssertCounted(JsonObject document)
    {
        // The early 1-year review is not the review: not in C4 or C5, and the review is overdue (as are the two older
        // children's, who have none on record).
        Assert.Equal((0, 1), Indicator(document, "C4"));
        Assert.Equal((0, 1), Indicator(document, "C5"));
        Assert.Equal(3, Figures.Count(document, "need.overdueReviews.byReview.1-year"));
        // C6i: only the review at 26 months; C6ii: its ASQ-3 came after 2½ years.
        Assert.Equal((1, 2), Indicator(document, "C6i"));
        Assert.Equal((0, 1), Indicator(document, "C6ii"));
        // C1: the very premature baby owed no antenatal contact.
        Assert.Equal((1, 1), Indicator(document, "C1"));
    }

    private static (int Numerator, int Denominator) Indicator(JsonObject document, string id) =>
        (Figures.Count(document, $"indicators.{id}.numerator"), Figures.Count(document, $"indicators.{id}.denominator"));

    private static DateTimeOffset Noon(int year, int month, int day) => new(year, month, day, 12, 0, 0, TimeSpan.Zero);
}
