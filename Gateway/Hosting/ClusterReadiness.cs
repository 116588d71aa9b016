using Microsoft.Extensions.Diagnostics.HealthChecks;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Hosting;

/// <summary>
/// Ready means a grain call reaches a silo and that silo's storage answers. The answer is cached
/// briefly so a load balancer polling readiness does not add load to the cluster.
/// </summary>
public sealed class ClusterReadiness(IClusterClient client, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private HealthCheckResult? _last;
    private DateTimeOffset _lastAt;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_last is { Status: HealthStatus.Healthy } cached && now - _lastAt < CacheFor)
        {
            return cached;
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

        _last = result;
        _lastAt = now;
        return result;
    }
}
