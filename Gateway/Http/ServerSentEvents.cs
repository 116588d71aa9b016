using System.Text;
using QpActors.Gateway.Application;

namespace QpActors.Gateway.Http;

/// <summary>
/// Writes feed updates as a <c>text/event-stream</c>: <c>id</c> (send back as Last-Event-ID to resume),
/// <c>event</c> (the update kind) and <c>data</c> (one JSON object per line). Written by hand to control
/// flushing and ids exactly; the stream ends when the client goes away, which ends the subscription.
/// </summary>
/// <remarks>
/// A client that vanishes without closing its connection (a phone losing its network) is noticed only when a write to
/// it fails, and a quiet ward may send nothing for hours. So when no update has gone out for
/// <see cref="HeartbeatInterval"/> a comment line goes out instead (EventSource ignores it); once the connection is
/// found dead the request is aborted and the subscription released.
/// </remarks>
public sealed class ServerSentEventsStream(IAsyncEnumerable<FeedUpdate> updates) : IResult
{
    public const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>The longest a stream stays silent: shorter than common proxies' idle timeouts (60 s).</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(20);

    /// <summary>How long a browser's EventSource waits before reconnecting.</summary>
    private const int RetryMilliseconds = 2000;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var cancellation = httpContext.RequestAborted;
        var time = httpContext.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;

        // The enumerator is cancelled by its own source too, so a wait for the next update still in flight when writing
        // fails can be ended before the enumerator is disposed (disposing one mid-wait is not allowed).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pending = updates.GetAsyncEnumerator(stop.Token);
        Task<bool>? next = null;
        try
        {
            await response.WriteAsync($"retry: {RetryMilliseconds}\n\n", cancellation);
            await response.Body.FlushAsync(cancellation);
            while (true)
            {
                next = pending.MoveNextAsync().AsTask();
                while (!next.IsCompleted)
                {
                    using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    var heartbeat = Task.Delay(HeartbeatInterval, time, quiet.Token);
                    if (await Task.WhenAny(next, heartbeat) == heartbeat)
                    {
                        await response.WriteAsync(": keep-alive\n\n", cancellation);
                        await response.Body.FlushAsync(cancellation);
                    }
                    else
                    {
                        await quiet.CancelAsync();
                    }
                }

                if (!await next)
                {
                    break;
                }

                await response.WriteAsync(Format(pending.Current), cancellation);
                await response.Body.FlushAsync(cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away: the subscription is released below.
        }
        finally
        {
            await stop.CancelAsync();
            if (next is { IsCompleted: false })
            {
                try
                {
                    await next;
                }
                catch (OperationCanceledException)
                {
                    // The wait ended by the cancellation just above.
                }
            }

            await pending.DisposeAsync();
        }
    }

    private static string Format(FeedUpdate update)
    {
        var text = new StringBuilder()
            .Append("id: ").Append(update.Id).Append('\n')
            .Append("event: ").Append(update.Kind).Append('\n');
        foreach (var line in update.Data.Split('\n'))
        {
            text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        return text.Append('\n').ToString();
    }

    /// <summary>Where a reconnecting client says it got to: the standard header, or <c>lastEventId</c> in the query for clients that cannot set headers.</summary>
    public static string? LastEventIdOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[LastEventIdHeader].ToString();
        return header.Length > 0 ? header : request.Query["lastEventId"].ToString() is { Length: > 0 } query ? query : null;
    }
}
