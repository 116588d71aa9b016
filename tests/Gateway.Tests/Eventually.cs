namespace QpActors.Gateway.Tests;

/// <summary>
/// Ward views are fed asynchronously (entities report to per-silo feeds that flush on a timer), so a
/// test waits for the cluster to converge: it retries a probe until it holds, up to a deadline. This is
/// waiting on a condition, not a fixed sleep: a fast cluster passes at once.
/// </summary>
public static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
            }
        }
    }

    public static async Task<T> HoldsAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(probe);
        var boxed = await HoldsAsync(async () => await probe() is { } value ? new Box<T>(value) : null, timeout, what);
        return boxed.Value;
    }

    private sealed record Box<T>(T Value);
}
