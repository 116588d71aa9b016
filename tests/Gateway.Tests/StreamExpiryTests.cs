using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using QpActors.Gateway.Application;

namespace QpActors.Gateway.Tests;

/// <summary>A stream open while its token is valid ends when the token expires, on a fake clock.</summary>
public sealed class StreamExpiryTests
{
    [Fact]
    public async Task A_stream_sends_updates_until_its_token_expires_then_ends_while_waiting_for_the_next()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        var feed = Channel.CreateUnbounded<FeedUpdate>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = StreamExpiry.UntilAsync(feed.Reader.ReadAllAsync(cancel.Token), time.GetUtcNow().AddMinutes(30), time, cancel.Token)
            .GetAsyncEnumerator(cancel.Token);

        feed.Writer.TryWrite(new FeedUpdate("e.1", "snapshot", "{}"));
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal("e.1", updates.Current.Id);

        var next = updates.MoveNextAsync();
        time.Advance(TimeSpan.FromMinutes(29));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(await next);
    }

    [Fact]
    public async Task A_token_without_an_expiry_leaves_the_stream_to_its_feed()
    {
        var time = new FakeTimeProvider();
        var feed = Channel.CreateUnbounded<FeedUpdate>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var updates = StreamExpiry.UntilAsync(feed.Reader.ReadAllAsync(cancel.Token), null, time, cancel.Token).GetAsyncEnumerator(cancel.Token);

        time.Advance(TimeSpan.FromDays(60));
        feed.Writer.TryWrite(new FeedUpdate("e.1", "snapshot", "{}"));
        feed.Writer.Complete();

        Assert.True(await updates.MoveNextAsync());
        Assert.False(await updates.MoveNextAsync());
    }
}
