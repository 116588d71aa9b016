using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using QpActors.Gateway.Application;
using QpActors.Gateway.Http;

namespace QpActors.Gateway.Tests;

/// <summary>The text/event-stream writer on its own, with a fake clock and an in-memory response body.</summary>
public sealed class ServerSentEventsTests
{
    [Fact]
    public async Task A_silent_stream_sends_a_comment_each_heartbeat_interval_and_updates_as_events()
    {
        var time = new FakeTimeProvider();
        var updates = Channel.CreateUnbounded<FeedUpdate>();
        var body = new WatchedStream();
        var context = Context(time, body, CancellationToken.None);

        var writing = new ServerSentEventsStream(updates.Reader.ReadAllAsync()).ExecuteAsync(context);
        var firstBeat = body.WhenContains(": keep-alive\n\n");
        time.Advance(ServerSentEventsStream.HeartbeatInterval - TimeSpan.FromSeconds(1));
        Assert.False(firstBeat.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await firstBeat.WaitAsync(TimeSpan.FromSeconds(10));

        var written = body.WhenContains("\n\n", after: "risk-changed");
        updates.Writer.TryWrite(new FeedUpdate("e.7", "risk-changed", "{\"familyId\":\"f-1\"}"));
        await written.WaitAsync(TimeSpan.FromSeconds(10));
        updates.Writer.Complete();
        await writing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("retry: 2000\n\n: keep-alive\n\nid: e.7\nevent: risk-changed\ndata: {\"familyId\":\"f-1\"}\n\n", body.Text);
    }

    [Fact]
    public async Task When_the_client_goes_away_the_subscription_is_released()
    {
        var time = new FakeTimeProvider();
        using var aborted = new CancellationTokenSource();
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = Context(time, new WatchedStream(), aborted.Token);

        var writing = new ServerSentEventsStream(NeverAsync(released)).ExecuteAsync(context);
        await aborted.CancelAsync();

        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        await released.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async IAsyncEnumerable<FeedUpdate> NeverAsync(TaskCompletionSource released, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
        finally
        {
            released.TrySetResult();
        }
    }

    private static DefaultHttpContext Context(TimeProvider time, Stream body, CancellationToken aborted) => new()
    {
        RequestServices = new ServiceCollection().AddSingleton(time).BuildServiceProvider(),
        Response = { Body = body },
        RequestAborted = aborted,
    };

    /// <summary>A response body that says when its text contains something, so the test waits on a signal, not a loop.</summary>
    private sealed class WatchedStream : MemoryStream
    {
        private readonly object _gate = new();
        private readonly List<(string Text, string? After, TaskCompletionSource Seen)> _watches = [];

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return Encoding.UTF8.GetString(ToArray());
                }
            }
        }

        public Task WhenContains(string text, string? after = null)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _watches.Add((text, after, seen));
            }

            Check();
            return seen.Task;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, offset, count);
            }

            Check();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        private void Check()
        {
            var text = Text;
            lock (_gate)
            {
                foreach (var (wanted, after, seen) in _watches)
                {
                    var from = after is null ? 0 : text.IndexOf(after, StringComparison.Ordinal);
                    if (from >= 0 && text.IndexOf(wanted, from, StringComparison.Ordinal) >= 0)
                    {
                        seen.TrySetResult();
                    }
                }
            }
        }
    }
}

/// <summary>The gRPC side of the same concern: idle HTTP/2 connections are pinged, so vanished clients are found.</summary>
[Collection(GatewayCollection.Name)]
public sealed class Http2KeepAliveTests(GatewayFixture gateway)
{
    [Fact]
    public void The_real_gateway_pings_idle_http2_connections_and_closes_those_that_do_not_answer()
    {
        var kestrel = gateway.GatewayServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(30), kestrel.Limits.Http2.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(20), kestrel.Limits.Http2.KeepAlivePingTimeout);
    }
}
