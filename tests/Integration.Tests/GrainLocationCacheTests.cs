using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.GrainDirectory;
using QpActors.Hosting;
using QpActors.Silo;

namespace QpActors.Integration.Tests;

/// <summary>The grain directory's cache the silo runs with, in place of Orleans' own.</summary>
public sealed class GrainLocationCacheTests
{
    private static readonly SiloAddress SiloA = SiloAddress.New(IPAddress.Loopback, 11111, 1);
    private static readonly SiloAddress SiloB = SiloAddress.New(IPAddress.Loopback, 11112, 1);

    private static GrainAddress At(string child, SiloAddress silo) =>
        new() { GrainId = GrainId.Create("child", child), SiloAddress = silo };

    [Fact]
    public void A_cached_location_is_found_with_its_version_and_replaced_by_a_newer_one()
    {
        var cache = new GrainLocationCache(100, TimeSpan.FromMinutes(4));
        var first = At("c-1", SiloA);

        Assert.False(cache.LookUp(first.GrainId, out _, out _));
        cache.AddOrUpdate(first, 3);
        Assert.True(cache.LookUp(first.GrainId, out var found, out var version));
        Assert.Same(first, found);
        Assert.Equal(3, version);

        var moved = At("c-1", SiloB);
        cache.AddOrUpdate(moved, 4);
        Assert.True(cache.LookUp(first.GrainId, out found, out version));
        Assert.Equal(SiloB, found.SiloAddress);
        Assert.Equal(4, version);
        Assert.Single(cache.KeyValues);
    }

    [Fact]
    public void Removing_by_address_removes_only_a_location_on_the_same_silo()
    {
        var cache = new GrainLocationCache(100, TimeSpan.FromMinutes(4));
        cache.AddOrUpdate(At("c-1", SiloB), 1);

        // A caller that found the grain gone from silo A must not evict the newer location on silo B.
        Assert.False(cache.Remove(At("c-1", SiloA)));
        Assert.True(cache.LookUp(GrainId.Create("child", "c-1"), out _, out _));

        Assert.True(cache.Remove(At("c-1", SiloB)));
        Assert.False(cache.LookUp(GrainId.Create("child", "c-1"), out _, out _));
        Assert.False(cache.Remove(At("c-1", SiloB)));
    }

    [Fact]
    public void Removing_by_grain_and_clearing_forget_locations()
    {
        var cache = new GrainLocationCache(100, TimeSpan.FromMinutes(4));
        foreach (var child in new[] { "c-1", "c-2", "c-3" })
        {
            cache.AddOrUpdate(At(child, SiloA), 1);
        }

        Assert.True(cache.Remove(GrainId.Create("child", "c-2")));
        Assert.False(cache.Remove(GrainId.Create("child", "c-2")));
        Assert.Equal(
            ["child/c-1", "child/c-3"],
            cache.KeyValues.Select(e => e.ActivationAddress.GrainId.ToString()).Order(StringComparer.Ordinal));

        cache.Clear();
        Assert.Empty(cache.KeyValues);
    }

    [Fact]
    public void The_cache_holds_no_more_locations_than_its_capacity()
    {
        var cache = new GrainLocationCache(30, TimeSpan.FromMinutes(4));
        for (var i = 0; i < 200; i++)
        {
            cache.AddOrUpdate(At($"c-{i}", SiloA), 1);
        }

        var held = cache.KeyValues.Count();
        Assert.InRange(held, 1, 30);

        // The most recent location is always kept.
        Assert.True(cache.LookUp(GrainId.Create("child", "c-199"), out _, out _));
    }

    [Fact]
    public void The_silo_gives_the_grain_directory_this_cache_sized_by_its_options()
    {
        var settings = QpHostSettings.From(new ConfigurationBuilder().Build(), Path.GetTempPath());

        // Wiring only: the silo is described, not started.
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.AddQpSilo(settings, settings.ToStorageSettings()));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
        Assert.Equal(GrainDirectoryOptions.CachingStrategyType.Custom, options.CachingStrategy);
        var cache = Assert.IsType<GrainLocationCache>(host.Services.GetRequiredService<IGrainDirectoryCache>());
        Assert.Same(cache, host.Services.GetRequiredService<IGrainDirectoryCache>());
    }
}
