using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Gateway.Application;

/// <summary>
/// Grain calls made for a request go through here: the caller's identity is placed in the request
/// context first (grains audit and scope-check from it), and overload or an unreachable silo becomes
/// <see cref="OperationStatus.Unavailable"/> with a retry hint instead of an error page. The live-update
/// poller (<see cref="WardUpdateSource"/>) and the readiness check call grains directly: they act for no
/// user and handle a failed call themselves.
/// </summary>
public static class GrainCalls
{
    /// <summary>Long enough for a silo to be declared dead and its grains to move.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public static async Task<OperationResult<T>> RunAsync<T>(Caller caller, ILogger logger, Func<Task<OperationResult<T>>> call)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(call);
        CallerContext.Set(caller);
        try
        {
            return await call();
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            // What failed is for operators, not clients. No stack trace: under overload every refused call logs this.
            logger.LogWarning("A grain call failed transiently ({ExceptionType}: {Message}); the client is told to retry", ex.GetType().Name, ex.Message);
            return OperationResult<T>.Unavailable("The service is busy or briefly unavailable; retry shortly.", RetryAfter);
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    public static Task<OperationResult<T>> RunAsync<T>(Caller caller, ILogger logger, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync(caller, logger, async () => OperationResult<T>.Ok(await call()));
    }

    /// <summary>
    /// Failures a retry can cure: overload, a silo going away, the cluster not reached in time, the event store
    /// unreachable or busy (a retry of a write that did commit is answered "duplicate" with the original receipt). The
    /// store's signal counts inside another exception too: Orleans wraps a grain-state failure in its own
    /// <c>OrleansException</c> (the silo's grain storage tells it as <see cref="JournalUnavailableException"/>).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JournalUnavailableException)
            {
                return true;
            }
        }

        return IsTransientItself(exception);
    }

    private static bool IsTransientItself(Exception exception) => exception is
        JournalUnavailableException or
        OrleansMessageRejectionException or
        SiloUnavailableException or
        GatewayTooBusyException or
        ConnectionFailedException or
        TimeoutException;
}
