using Microsoft.Extensions.Diagnostics.HealthChecks;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Hosting;

/// <summary>
/// Ready means a grain call reaches a silo and that silo's storage answers. A healthy answer is cached
/// briefly so a load balancer polling readiness does not add load to the cluster; that needs one
/// instance for the process (<see cref="GatewaySetup.AddQpHealthChecks"/> registers it as a singleton).
/// </summary>
public sealed class ClusterReadiness(IClusterClient client, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    // Probes run concurrently: the answer and its time are replaced together, never read half-written.
    private Answer? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (Volatile.Read(ref _last) is { Result.Status: HealthStatus.Healthy } cached && now - cached.At < CacheFor)
        {
            return cached.Result;
        }

        HealthCheckResult result;
        try
        {
            var health = await client.GetGrain<IHealthGrain>(0).CheckAsync().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            result = health.Ok
                ? HealthCheckResult.Healthy(health.Detail)
                : HealthCheckResult.Unhealthy("storage: " + health.Detail);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = HealthCheckResult.Unhealthy("cluster unreachable: " + ex.GetType().Name);
        }

        Volatile.Write(ref _last, new Answer(result, now));
        return result;
    }

    private sealed record Answer(HealthCheckResult Result, DateTimeOffset At);
}
