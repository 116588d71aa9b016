using System.Text;
using QpActors.Gateway.Application;

namespace QpActors.Gateway.Http;

/// <summary>
/// Writes feed updates as a <c>text/event-stream</c>: <c>id</c> (send back as Last-Event-ID to resume),
/// <c>event</c> (the update kind) and <c>data</c> (one JSON object per line). Written by hand to control
/// flushing and ids exactly; the stream ends when the client goes away, which ends the subscription.
/// </summary>
public sealed class ServerSentEventsStream(IAsyncEnumerable<FeedUpdate> updates) : IResult
{
    public const string LastEventIdHeader = "Last-Event-ID";

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
        try
        {
            await response.WriteAsync($"retry: {RetryMilliseconds}\n\n", cancellation);
            await response.Body.FlushAsync(cancellation);
            await foreach (var update in updates.WithCancellation(cancellation))
            {
                var text = new StringBuilder()
                    .Append("id: ").Append(update.Id).Append('\n')
                    .Append("event: ").Append(update.Kind).Append('\n');
                foreach (var line in update.Data.Split('\n'))
                {
                    text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
                }

                text.Append('\n');
                await response.WriteAsync(text.ToString(), cancellation);
                await response.Body.FlushAsync(cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away: the subscription has already been released by the enumerator.
        }
    }

    /// <summary>Where a reconnecting client says it got to: the standard header, or <c>lastEventId</c> in the query for clients that cannot set headers.</summary>
    public static string? LastEventIdOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[LastEventIdHeader].ToString();
        return header.Length > 0 ? header : request.Query["lastEventId"].ToString() is { Length: > 0 } query ? query : null;
    }
}
