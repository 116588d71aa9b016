using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using QpActors.Gateway.Hosting;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Readiness as the gateway registers it (<see cref="GatewaySetup.AddQpHealthChecks"/>), probed through the
/// health-check service as <c>/health/ready</c> does, against a cluster that counts the calls it gets.
/// </summary>
public sealed class ClusterReadinessTests
{
    [Fact]
    public async Task Probes_within_the_cache_time_make_one_grain_call()
    {
        var health = new CountingHealthGrain();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        await using var services = Build(health, time);
        var checks = services.GetRequiredService<HealthCheckService>();

        var first = await checks.CheckHealthAsync(IsReadiness);
        var second = await checks.CheckHealthAsync(IsReadiness);

        Assert.Equal(HealthStatus.Healthy, first.Status);
        Assert.Equal(HealthStatus.Healthy, second.Status);
        Assert.Equal(1, health.Calls);

        time.Advance(ClusterReadiness.CacheFor);
        await checks.CheckHealthAsync(IsReadiness);
        Assert.Equal(2, health.Calls);
    }

    [Fact]
    public async Task An_unhealthy_answer_is_not_kept_the_next_probe_asks_again()
    {
        var health = new CountingHealthGrain { Ok = false };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
        await using var services = Build(health, time);
        var checks = services.GetRequiredService<HealthCheckService>();

        var refused = await checks.CheckHealthAsync(IsReadiness);
        health.Ok = true;
        var ready = await checks.CheckHealthAsync(IsReadiness);

        Assert.Equal(HealthStatus.Unhealthy, refused.Status);
        Assert.Equal(HealthStatus.Healthy, ready.Status);
        Assert.Equal(2, health.Calls);
    }

    private static bool IsReadiness(HealthCheckRegistration registration) => registration.Tags.Contains("ready");

    private static ServiceProvider Build(IHealthGrain health, TimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time);
        services.AddSingleton(HealthOnlyCluster.Create(health));
        services.AddQpHealthChecks();
        return services.BuildServiceProvider();
    }

    private sealed class CountingHealthGrain : IHealthGrain
    {
        private int _calls;

        public bool Ok { get; set; } = true;

        public int Calls => Volatile.Read(ref _calls);

        public Task<StorageHealth> CheckAsync()
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new StorageHealth(Ok, Ok ? "storage answers" : "storage down"));
        }
    }

    /// <summary>A cluster client that hands out the health grain and nothing else (not sealed: the proxy derives from it).</summary>
    private class HealthOnlyCluster : DispatchProxy
    {
        private IHealthGrain? _health;

        public static IClusterClient Create(IHealthGrain health)
        {
            var client = Create<IClusterClient, HealthOnlyCluster>();
            ((HealthOnlyCluster)(object)client)._health = health;
            return client;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } && targetMethod.GetGenericArguments()[0] == typeof(IHealthGrain)
                ? _health
                : throw new NotSupportedException($"{targetMethod?.Name} is not faked.");
    }
}
