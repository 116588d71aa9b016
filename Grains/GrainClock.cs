namespace QpActors.Grains;

/// <summary>
/// The clock grains read for the domain's notion of "now" (review windows, risk recency). It wraps a
/// TimeProvider of its own rather than Orleans' registered one, so tests can move the domain's time
/// forward with a fake provider while Orleans' timers and membership keep real time.
/// </summary>
public sealed class GrainClock(TimeProvider provider)
{
    public static GrainClock System { get; } = new(TimeProvider.System);

    public DateTimeOffset GetUtcNow() => provider.GetUtcNow();

    /// <summary>A monotonic timestamp, for intervals a test must be able to end by moving the clock rather than by waiting.</summary>
    public long GetTimestamp() => provider.GetTimestamp();

    /// <summary>The time between two <see cref="GetTimestamp"/> readings.</summary>
    public TimeSpan GetElapsedTime(long startingTimestamp, long endingTimestamp) => provider.GetElapsedTime(startingTimestamp, endingTimestamp);

    /// <summary>
    /// A timer on this clock, for work a test must be able to set off by moving the clock rather than by waiting: its
    /// callback runs on no grain's scheduler, so it may only send the grain a message.
    /// </summary>
    public ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        provider.CreateTimer(callback, state, dueTime, period);
}
