using QpActors.Domain.Events;
using QpActors.Domain.Risk;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>The compact risk timeline gives back the changes it was shown, previous scores included.</summary>
public sealed class RiskTimelineTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 9, 0, 0, TimeSpan.FromHours(1));

    [Fact]
    public void Keeps_the_last_fifty_changes_with_their_causes_and_previous_scores()
    {
        var subject = new Scripted();
        var timeline = new RiskTimeline(subject);
        const int changes = RiskTimeline.HistoryLength + 7;
        for (var i = 1; i <= changes; i++)
        {
            subject.Score = i;
            Assert.True(timeline.Observe(Start.AddMinutes(i), $"event-{i}", subject.Assess(Start)));
        }

        subject.Score = 0;
        Assert.False(timeline.Observe(Start.AddMinutes(changes + 1), "no-change", new RiskAssessment(changes, ServiceLevel.UniversalPlus, [], "test")));

        // Counted past the kept fifty, and not for an observation that changed nothing.
        Assert.Equal(changes, timeline.ChangesRecorded);
        var history = timeline.History;
        Assert.Equal(RiskTimeline.HistoryLength, history.Count);
        for (var k = 0; k < history.Count; k++)
        {
            var i = changes - RiskTimeline.HistoryLength + 1 + k;
            Assert.Equal(new RiskChange(Start.AddMinutes(i), i, "universal-plus", i - 1, "universal-plus", $"event-{i}"), history[k]);
            Assert.Equal(TimeSpan.FromHours(1), history[k].At.Offset);
        }
    }

    [Fact]
    public void A_change_time_made_names_time_and_the_first_change_starts_from_universal()
    {
        var subject = new Scripted { Next = Start.AddDays(1) };
        var timeline = new RiskTimeline(subject);
        Assert.False(timeline.AdvanceTo(Start));

        subject.Score = 3;
        Assert.True(timeline.AdvanceTo(Start.AddDays(2)));

        var change = Assert.Single(timeline.History);
        Assert.Equal(new RiskChange(Start.AddDays(1), 3, "universal-plus", 0, "universal", RiskTimeline.TimeCause), change);
    }

    [Fact]
    public void A_read_between_an_events_receipt_and_its_handling_leaves_the_history_a_replay_gives()
    {
        // Time alone raises the score at the window's close; events received before it are handled after a read past it.
        var closes = Start.AddMinutes(90);
        var received = Enumerable.Range(1, RiskTimeline.HistoryLength + 1).Select(i => Start.AddMinutes(i < 51 ? i : 80)).ToArray();

        var live = new Windowed(closes);
        var liveTimeline = new RiskTimeline(live);
        for (var i = 0; i < received.Length; i++)
        {
            if (i == received.Length - 1)
            {
                liveTimeline.AdvanceTo(Start.AddMinutes(100));
            }

            liveTimeline.AdvanceTo(received[i]);
            live.Events++;
            liveTimeline.Observe(received[i], $"event-{i + 1}");
        }

        liveTimeline.AdvanceTo(Start.AddMinutes(100));

        var replay = new Windowed(closes);
        var replayTimeline = new RiskTimeline(replay);
        for (var i = 0; i < received.Length; i++)
        {
            replayTimeline.AdvanceTo(received[i]);
            replay.Events++;
            replayTimeline.Observe(received[i], $"event-{i + 1}");
        }

        replayTimeline.AdvanceTo(Start.AddMinutes(100));

        Assert.Equal(replayTimeline.History, liveTimeline.History);
        Assert.Equal(RiskTimeline.HistoryLength, liveTimeline.History.Count);
        Assert.Equal(new RiskChange(closes, 511, "universal-plus", 510, "universal-plus", RiskTimeline.TimeCause), liveTimeline.History[^1]);
        Assert.Equal(new RiskChange(Start.AddMinutes(80), 510, "universal-plus", 500, "universal-plus", "event-51"), liveTimeline.History[^2]);
    }

    /// <summary>Ten points per event, and one more once the window has closed.</summary>
    private sealed class Windowed(DateTimeOffset closes) : IRiskSubject
    {
        public int Events { get; set; }

        public RiskAssessment Assess(DateTimeOffset at) => new((Events * 10) + (at >= closes ? 1 : 0), ServiceLevel.UniversalPlus, [], "test");

        public DateTimeOffset? NextChange(DateTimeOffset at) => at < closes ? closes : null;

        public TimeChanges ChangesAt(DateTimeOffset at) => TimeChanges.ReviewWindow;
    }

    [Fact]
    public void The_last_change_and_the_last_level_change_are_kept_when_older_changes_are_forgotten()
    {
        var timeline = new RiskTimeline(new Scripted());
        Assert.Null(timeline.LastChangeAt);
        Assert.Null(timeline.LastLevelChange);

        timeline.Observe(Start.AddMinutes(1), "raised", new RiskAssessment(4, ServiceLevel.UniversalPlus, [], "test"));
        Assert.Equal(new LevelChange(Start.AddMinutes(1), ServiceLevel.Universal), timeline.LastLevelChange);

        // More changes of the score alone than the history keeps: the level's change is forgotten from the history, not here.
        const int changes = RiskTimeline.HistoryLength + 10;
        for (var i = 2; i <= changes; i++)
        {
            timeline.Observe(Start.AddMinutes(i), $"event-{i}", new RiskAssessment(4 + (i % 2), ServiceLevel.UniversalPlus, [], "test"));
        }

        Assert.DoesNotContain(timeline.History, h => h.PreviousLevel != h.SuggestedLevel);
        Assert.Equal(Start.AddMinutes(changes), timeline.LastChangeAt);
        Assert.Equal(TimeSpan.FromHours(1), timeline.LastChangeAt!.Value.Offset);
        Assert.Equal(new LevelChange(Start.AddMinutes(1), ServiceLevel.Universal), timeline.LastLevelChange);

        timeline.Observe(Start.AddMinutes(changes + 1), "worse", new RiskAssessment(12, ServiceLevel.UniversalPartnershipPlus, [], "test"));
        Assert.Equal(new LevelChange(Start.AddMinutes(changes + 1), ServiceLevel.UniversalPlus), timeline.LastLevelChange);
        Assert.True(timeline.StandsAt(new RiskAssessment(12, ServiceLevel.UniversalPartnershipPlus, [], "test")));
        Assert.False(timeline.StandsAt(new RiskAssessment(13, ServiceLevel.UniversalPartnershipPlus, [], "test")));
    }

    [Fact]
    public void A_level_change_time_made_and_then_taken_back_is_no_longer_the_last()
    {
        var closes = Start.AddMinutes(90);
        var subject = new Scripted { Score = 2, Level = ServiceLevel.Universal, Next = closes };
        var timeline = new RiskTimeline(subject);
        timeline.Observe(Start, "first", subject.Assess(Start));

        // A read walks past the window's close under the state before an event received earlier.
        subject.Score = 4;
        subject.Level = ServiceLevel.UniversalPlus;
        timeline.AdvanceTo(Start.AddMinutes(120));
        Assert.Equal(new LevelChange(closes, ServiceLevel.Universal), timeline.LastLevelChange);

        // The event (received before the close) ends the window's effect: the change time made is taken back.
        subject.Score = 2;
        subject.Level = ServiceLevel.Universal;
        subject.Next = null;
        timeline.Observe(Start.AddMinutes(60), "reviewed", subject.Assess(Start.AddMinutes(60)));

        Assert.Null(timeline.LastLevelChange);
        Assert.Equal(Start, timeline.LastChangeAt);
    }

    private sealed class Scripted : IRiskSubject
    {
        public double Score { get; set; }

        public DateTimeOffset? Next { get; set; }

        public ServiceLevel Level { get; set; } = ServiceLevel.UniversalPlus;

        public RiskAssessment Assess(DateTimeOffset at) => new(Score, Level, [], "test");

        public DateTimeOffset? NextChange(DateTimeOffset at) => Next > at ? Next : null;

        public TimeChanges ChangesAt(DateTimeOffset at) => TimeChanges.ReviewWindow;
    }
}
