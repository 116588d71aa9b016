using QpActors.Gateway.Application;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>The count of open live streams on its own: places per caller and in all, and giving them back.</summary>
public sealed class LiveStreamLimitsTests
{
    [Fact]
    public void A_caller_at_its_limit_is_refused_while_another_caller_is_admitted()
    {
        var limits = new LiveStreamLimits(maxPerCaller: 2, maxInAll: 10);
        var (caller, other) = (Ids.Short(), Ids.Short());

        var first = limits.TryOpen(caller);
        var second = limits.TryOpen(caller);
        var third = limits.TryOpen(caller);
        var others = limits.TryOpen(other);

        Assert.True(first.IsOk && second.IsOk && others.IsOk);
        Assert.Equal(OperationStatus.LimitReached, third.Status);
        Assert.Equal(ApiLimits.StreamRetryAfter, third.RetryAfter);
        Assert.Equal(3, limits.Open);
    }

    [Fact]
    public void At_the_limit_in_all_a_caller_with_no_stream_is_refused()
    {
        var limits = new LiveStreamLimits(maxPerCaller: 2, maxInAll: 3);
        Assert.True(limits.TryOpen("a").IsOk && limits.TryOpen("a").IsOk && limits.TryOpen("b").IsOk);

        var refused = limits.TryOpen("c");

        Assert.Equal(OperationStatus.LimitReached, refused.Status);
        Assert.Equal(3, limits.Open);
    }

    [Fact]
    public async Task A_place_is_given_back_once_however_often_its_stream_is_disposed()
    {
        var limits = new LiveStreamLimits(maxPerCaller: 1, maxInAll: 1);
        var caller = Ids.Short();
        var place = limits.TryOpen(caller).Value!;
        var closed = limits.WhenNoneOpenFor(caller);

        Assert.False(closed.IsCompleted);
        place.Dispose();
        place.Dispose();
        await closed.WaitAsync(TimeSpan.FromSeconds(10));
        var again = limits.TryOpen(caller);

        Assert.True(again.IsOk);
        Assert.Equal(1, limits.Open);
        Assert.Equal(OperationStatus.LimitReached, limits.TryOpen(Ids.Short()).Status);
    }

    [Fact]
    public void A_caller_with_no_stream_open_has_none_to_wait_for()
    {
        var limits = new LiveStreamLimits(maxPerCaller: 1, maxInAll: 1);

        Assert.True(limits.WhenNoneOpenFor(Ids.Short()).IsCompleted);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 0)]
    public void Limits_that_admit_nothing_fail_at_start(int perCaller, int inAll)
    {
        Assert.Throws<InvalidOperationException>(() => new LiveStreamLimits(perCaller, inAll));
    }
}
