using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

public sealed class GeneratorSendingTests
{
    private static readonly TimeSpan LateThreshold = TimeSpan.FromHours(1);

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.05, 0.02)]
    [InlineData(0.2, 0.1)]
    public void Late_and_duplicate_fractions_are_roughly_honoured(double late, double duplicate)
    {
        var options = new GeneratorOptions(9, ["queens-park"], 400, new DateOnly(2020, 1, 1), new DateOnly(2022, 1, 1), late, duplicate);
        var contacts = new ContactGenerator(options).Generate().ToList();
        var originals = contacts.Where(c => !c.IsDuplicateSend).ToList();

        var lateShare = originals.Count(c => c.SentAt - c.OccurredAt > LateThreshold) / (double)originals.Count;
        var duplicateShare = (contacts.Count - originals.Count) / (double)originals.Count;

        Assert.InRange(lateShare, late * 0.85, (late * 1.15) + 0.001);
        Assert.InRange(duplicateShare, duplicate * 0.8, (duplicate * 1.2) + 0.001);
    }

    [Fact]
    public void Sends_come_out_in_time_order_and_never_after_the_as_of_date()
    {
        var run = PilotRuns.For(42);
        var asOf = run.Options.AsOf;

        for (var i = 1; i < run.Contacts.Count; i++)
        {
            Assert.True(run.Contacts[i - 1].SentAt <= run.Contacts[i].SentAt, $"send {i} goes back in time");
        }

        Assert.All(run.Contacts, c =>
        {
            Assert.True(c.OccurredAt < asOf, $"{c.EventId} occurs after the as-of date");
            Assert.True(c.SentAt <= asOf, $"{c.EventId} is sent after the as-of date");
            Assert.True(c.SentAt >= c.OccurredAt, $"{c.EventId} is sent before it happened");
        });
    }

    [Fact]
    public void Some_events_are_late_by_weeks_and_duplicates_repeat_an_earlier_send_exactly()
    {
        var run = PilotRuns.For(42);
        var firstSend = new Dictionary<string, GeneratedContact>();
        foreach (var contact in run.Contacts)
        {
            if (contact.IsDuplicateSend)
            {
                Assert.True(firstSend.TryGetValue(contact.EventId, out var original), $"{contact.EventId} resent before it was sent");
                Assert.Equal(original!.WireJson, contact.WireJson);
                Assert.Equal(original.RecordedBy, contact.RecordedBy);
            }
            else
            {
                Assert.True(firstSend.TryAdd(contact.EventId, contact), $"{contact.EventId} sent twice as an original");
            }
        }

        Assert.Contains(run.Contacts, c => c.SentAt - c.OccurredAt > TimeSpan.FromDays(7));
    }

    [Fact]
    public void Buffers_stay_flat_when_the_run_gets_twice_as_long()
    {
        // Same births per year; the longer run has twice the children and twice the events.
        var tenYears = new ContactGenerator(new GeneratorOptions(4, ["queens-park"], 1_000, new DateOnly(2004, 1, 1), new DateOnly(2014, 1, 1), 0.3, 0.1));
        var twentyYears = new ContactGenerator(new GeneratorOptions(4, ["queens-park"], 2_000, new DateOnly(2004, 1, 1), new DateOnly(2024, 1, 1), 0.3, 0.1));

        var shortCount = tenYears.Generate().LongCount();
        var longCount = twentyYears.Generate().LongCount();

        Assert.InRange(longCount / (double)shortCount, 1.8, 2.2);
        Assert.InRange(twentyYears.Diagnostics.PeakActiveTimelines / (double)tenYears.Diagnostics.PeakActiveTimelines, 0.8, 1.25);
        Assert.InRange(twentyYears.Diagnostics.PeakLookAhead / (double)tenYears.Diagnostics.PeakLookAhead, 0.5, 2.0);

        // Open timelines cover about four years of births (pregnancy to age three), far below the run.
        Assert.True(twentyYears.Diagnostics.PeakActiveTimelines < 100 * 4.5, $"{twentyYears.Diagnostics.PeakActiveTimelines} timelines open");
        Assert.True(twentyYears.Diagnostics.PeakLookAhead < longCount / 100, $"{twentyYears.Diagnostics.PeakLookAhead} sends held back");
        Assert.Equal(2_000, twentyYears.Diagnostics.ChildrenAdmitted);
    }

    [Fact]
    public void Generation_is_lazy()
    {
        var generator = new ContactGenerator(new GeneratorOptions(1, ["queens-park"], 1_000_000, new DateOnly(2020, 1, 1), new DateOnly(2024, 1, 1)));

        var first = generator.Generate().Take(1_000).ToList();

        Assert.Equal(1_000, first.Count);
        Assert.True(generator.Diagnostics.ChildrenAdmitted < 50_000, $"{generator.Diagnostics.ChildrenAdmitted} children planned for 1,000 sends");
    }

    [Theory]
    [InlineData("2020-01-01", "2019-01-01", 0.05, 0.02)]
    [InlineData("2020-01-01", "2020-01-01", 0.05, 0.02)]
    [InlineData("1999-01-01", "2020-01-01", 0.05, 0.02)]
    [InlineData("2020-01-01", "2021-01-01", -0.1, 0.02)]
    [InlineData("2020-01-01", "2021-01-01", 0.05, 0.95)]
    public void Options_out_of_range_are_refused(string start, string end, double late, double duplicate)
    {
        var options = new GeneratorOptions(1, ["queens-park"], null, DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), late, duplicate);

        Assert.ThrowsAny<ArgumentException>(() => new ContactGenerator(options));
    }

    [Fact]
    public void Unknown_wards_and_repeated_wards_are_refused()
    {
        var start = new DateOnly(2020, 1, 1);
        Assert.Throws<ArgumentException>(() => new ContactGenerator(new GeneratorOptions(1, ["atlantis"], null, start, start.AddYears(1))));
        Assert.Throws<ArgumentException>(() => new ContactGenerator(new GeneratorOptions(1, ["queens-park", "queens-park"], null, start, start.AddYears(1))));
        Assert.Throws<ArgumentException>(() => new ContactGenerator(new GeneratorOptions(1, [], null, start, start.AddYears(1))));
    }
}
