using System.Runtime.CompilerServices;

namespace QpActors.Gateway.Application;

/// <summary>
/// A live stream ends when the token that opened it expires. The token is checked once, when the stream opens, and a
/// stream may then stay open for hours: without an end, a caller whose token lapsed (a practitioner who left the team is
/// simply issued no new one) would go on receiving families' records. The stream ends as a finished stream does (the SSE
/// response completes, the gRPC call ends with OK), with nothing sent after the expiry; the client reconnects with a fresh
/// token and resumes from its last update id.
/// </summary>
public static class StreamExpiry
{
    // A timer cannot wait longer than about 49 days: a stream whose token runs for longer than this is ended (and resumed) after it.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(24);

    /// <param name="expires">When the caller's token expires; null for a token with no expiry, whose stream runs on.</param>
    public static async IAsyncEnumerable<FeedUpdate> UntilAsync(IAsyncEnumerable<FeedUpdate> updates, DateTimeOffset? expires, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(time);
        var left = expires is { } at ? at - time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        using var expiry = left == Timeout.InfiniteTimeSpan
            ? new CancellationTokenSource()
            : new CancellationTokenSource(left <= TimeSpan.Zero ? TimeSpan.Zero : left < LongestWait ? left : LongestWait, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var pending = updates.GetAsyncEnumerator(either.Token);
        try
        {
            while (!expiry.IsCancellationRequested)
            {
                bool more;
                try
                {
                    more = await pending.MoveNextAsync();
                }
                catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                // An update that arrived as the token expired is not sent.
                if (!more || expiry.IsCancellationRequested)
                {
                    yield break;
                }

                yield return pending.Current;
            }
        }
        finally
        {
            await pending.DisposeAsync();
        }
    }
}
