using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Makes sure, after every silo start, that the deadline sweep's reminder is in the reminder table, without holding the
/// start up for it. Registering waits for Orleans' reminder service to load its table; with the table locked or the
/// server away at that moment, the call failed after the service's wait and, as a startup task, stopped the silo with
/// an unhandled exception (the process aborted with a stack of Orleans and driver exceptions) over something that was
/// only late. Now the silo starts and serves; each failure is logged as a warning naming the store and the table, and
/// the registration is tried again, 1 s after the first failure and then twice as long each time up to a minute, until it
/// is made or the silo stops. Nothing is lost meanwhile: deadlines are rows in <c>qp_deadlines</c>, and the first sweep
/// wakes every entity whose deadline passed in between. A reminder registered by an earlier start keeps firing from the
/// table anyway once the reminder service has loaded it (the service retries its own load).
/// </summary>
public sealed class DeadlineSweepStart(IGrainFactory grains, StorageSettings storage, ILogger<DeadlineSweepStart> logger, TimeSpan firstRetry)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The longest wait between two attempts.</summary>
    public static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(1);

    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();

    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the reminder has been registered (tests wait on it).</summary>
    public Task Registered => _registered.Task;

    /// <summary>Completes when an attempt first fails (tests wait on it before letting the store answer again).</summary>
    public Task FirstFailure => _failed.Task;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(DeadlineSweepStart), ServiceLifecycleStage.Active, Start, Stop);
    }

    private Task Start(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => EnsureAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    // Ends the retries without waiting for an attempt in flight: a grain call cannot be cancelled, and one waiting for the
    // reminder service held a stopping silo up for 19 s. The stopping silo fails that call, and the loop then ends.
    private async Task Stop(CancellationToken cancellationToken) => await _stopping.CancelAsync();

    private async Task EnsureAsync(CancellationToken stopping)
    {
        var wait = firstRetry;
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await grains.GetGrain<IDeadlineSweeperGrain>(0).StartAsync();
                if (attempt > 1)
                {
                    logger.LogInformation("The review-deadline sweep's reminder is registered in {Store} (attempt {Attempt})", storage.Describe(), attempt);
                }

                _registered.TrySetResult();
                return;
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                // The reminder table's own failure already names the table and the store (StoreFailures.ToldAlone); a
                // line that named them again read twice as long for nothing.
                var reason = Reason(failure);
                if (reason.Contains(storage.Describe(), StringComparison.Ordinal))
                {
                    logger.LogWarning(
                        "The review-deadline sweep's reminder could not be registered: {Reason} The silo runs meanwhile, and deadlines " +
                        "that pass wait in qp_deadlines for the first sweep. Retrying in {Wait}.",
                        reason, wait);
                }
                else
                {
                    logger.LogWarning(
                        "The review-deadline sweep's reminder could not be registered in the reminder table (orleans_reminders) of {Store}: " +
                        "{Reason} The silo runs meanwhile, and deadlines that pass wait in qp_deadlines for the first sweep. Retrying in {Wait}.",
                        storage.Describe(), reason, wait);
                }

                logger.LogDebug(failure, "The reminder's registration failed");
                _failed.TrySetResult();
            }

            try
            {
                await Task.Delay(wait, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestRetry.Ticks));
        }
    }

    // The message that says what went wrong, not Orleans' wrapper around it ("still initializing" wraps a timeout).
    private static string Reason(Exception failure) => (StoreFailures.Within(failure) ?? failure).Message;
}

public static class DeadlineSweepStartRegistration
{
    /// <summary>
    /// Registers <see cref="DeadlineSweepStart"/> as a silo lifecycle participant, first retrying after
    /// <paramref name="firstRetry"/> (1 s when not given).
    /// </summary>
    public static IServiceCollection AddDeadlineSweepStart(this IServiceCollection services, TimeSpan? firstRetry = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => new DeadlineSweepStart(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<StorageSettings>(),
            sp.GetRequiredService<ILogger<DeadlineSweepStart>>(),
            firstRetry ?? TimeSpan.FromSeconds(1)));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeadlineSweepStart>());
        return services;
    }
}
