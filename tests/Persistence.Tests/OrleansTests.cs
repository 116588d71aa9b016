using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.GrainDirectory;

namespace QpActors.Persistence.Tests;

/// <summary>Orleans running on our schema scripts, against each store.</summary>
public static class OrleansScenarios
{
    public static async Task StateSurvivesARestart(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        var cluster = "c-" + Guid.NewGuid().ToString("N");

        var first = await OrleansHosts.StartSiloAsync(store.Settings, cluster, reminders: false);
        try
        {
            var probe = first.Grains().GetGrain<IProbeGrain>("child:c-1");
            await probe.Remember("birth notified");
            await probe.Remember("new birth visit");
        }
        finally
        {
            await first.StopAndDisposeAsync();
        }

        var second = await OrleansHosts.StartSiloAsync(store.Settings, cluster, reminders: false);
        try
        {
            var notes = await second.Grains().GetGrain<IProbeGrain>("child:c-1").Recall();
            Assert.Equal(["birth notified", "new birth visit"], notes);
        }
        finally
        {
            await second.StopAndDisposeAsync();
        }

        // Plain JSON, no type names: renaming a class must not strand stored state.
        var payloadSql = kind == StorageKind.Postgres
            ? "SELECT convert_from(payload, 'UTF8') FROM orleans_grain_state"
            : "SELECT CAST(payload AS TEXT) FROM orleans_grain_state";
        var payload = await store.TextAsync(payloadSql);
        Assert.NotNull(payload);
        Assert.StartsWith("{", payload, StringComparison.Ordinal);
        Assert.Contains("new birth visit", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", payload, StringComparison.Ordinal);
        Assert.Equal(2, await store.ScalarAsync("SELECT version FROM orleans_grain_state"));
    }

    public static async Task ReminderIsStored(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        var host = await OrleansHosts.StartSiloAsync(store.Settings, "c-" + Guid.NewGuid().ToString("N"), reminders: true);
        try
        {
            var probe = host.Grains().GetGrain<IProbeGrain>("child:c-1");
            await probe.ArmReminder("review-due");

            Assert.Equal(1, await store.ScalarAsync(
                "SELECT count(*) FROM orleans_reminders WHERE reminder_name = 'review-due' AND period_ms = 600000"));
            var reminders = host.Services.GetRequiredService<IReminderTable>();
            var row = await reminders.ReadRow(probe.GetGrainId(), "review-due");
            Assert.NotNull(row);
            Assert.Equal(TimeSpan.FromMinutes(10), row.Period);
        }
        finally
        {
            await host.StopAndDisposeAsync();
        }
    }
}

public sealed class SqliteOrleansTests
{
    [Fact]
    public Task Grain_state_survives_a_silo_restart() => OrleansScenarios.StateSurvivesARestart(StorageKind.Sqlite);

    [Fact]
    public Task Reminder_is_stored() => OrleansScenarios.ReminderIsStored(StorageKind.Sqlite);
}

public sealed class PostgresOrleansTests
{
    [PostgresFact]
    public Task Grain_state_survives_a_silo_restart() => OrleansScenarios.StateSurvivesARestart(StorageKind.Postgres);

    [PostgresFact]
    public Task Reminder_is_stored() => OrleansScenarios.ReminderIsStored(StorageKind.Postgres);

    [PostgresFact]
    public async Task Two_silos_form_one_cluster_and_share_activations()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Postgres);
        var cluster = "c-" + Guid.NewGuid().ToString("N");
        var a = await OrleansHosts.StartSiloAsync(store.Settings, cluster, reminders: false);
        var b = await OrleansHosts.StartSiloAsync(store.Settings, cluster, reminders: false);
        var bStopped = false;
        var keys = Enumerable.Range(0, 16).Select(i => $"child:c-{i}").ToList();
        try
        {
            await ActiveSilosAsync(a, 2);
            await ActiveSilosAsync(b, 2);

            Assert.Equal(2, await store.ScalarAsync("SELECT count(*) FROM orleans_membership WHERE status = 3"));
            var client = await OrleansHosts.StartClientAsync(store.Settings, cluster);
            try
            {
                var silos = new HashSet<string>();
                for (var i = 0; i < keys.Count; i++)
                {
                    // Half the grains are first called through a, half through b: each lives where it was first called.
                    var (first, second) = i % 2 == 0 ? (a, b) : (b, a);
                    var viaFirst = await first.Grains().GetGrain<IProbeGrain>(keys[i]).WhereAmI();
                    var viaSecond = await second.Grains().GetGrain<IProbeGrain>(keys[i]).WhereAmI();
                    var viaClient = await client.Grains().GetGrain<IProbeGrain>(keys[i]).WhereAmI();
                    Assert.Equal(viaFirst, viaSecond);
                    Assert.Equal(viaFirst, viaClient);
                    silos.Add(viaFirst.Split('/')[0]);
                }

                Assert.Equal(2, silos.Count);
            }
            finally
            {
                await client.StopAndDisposeAsync();
            }

            // a found the grains living on b through its directory cache.
            var onB = b.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            var cache = Assert.IsType<QpActors.Silo.GrainLocationCache>(a.Services.GetRequiredService<IGrainDirectoryCache>());
            Assert.Contains(cache.KeyValues, e => onB.Equals(e.ActivationAddress.SiloAddress));

            // b leaves. Every grain answers again through a, from an activation on a, and a's cache no longer places any
            // of them on b. (Checked after the calls: Orleans drops a dead silo's entries on its own schedule, and a call
            // that still finds one replaces it.)
            await b.StopAndDisposeAsync();
            bStopped = true;
            await ActiveSilosAsync(a, 1);
            var self = a.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();
            foreach (var key in keys)
            {
                Assert.Equal(self, (await a.Grains().GetGrain<IProbeGrain>(key).WhereAmI()).Split('/')[0]);
            }

            var probes = keys.Select(key => a.Grains().GetGrain<IProbeGrain>(key).GetGrainId()).ToHashSet();
            Assert.DoesNotContain(cache.KeyValues, e => probes.Contains(e.ActivationAddress.GrainId) && onB.Equals(e.ActivationAddress.SiloAddress));
        }
        finally
        {
            if (!bStopped)
            {
                await b.StopAndDisposeAsync();
            }

            await a.StopAndDisposeAsync();
        }
    }

    /// <summary>Waits (event-driven, bounded) until this silo's view holds exactly <paramref name="count"/> active silos.</summary>
    private static async Task ActiveSilosAsync(Microsoft.Extensions.Hosting.IHost host, int count)
    {
        var membership = host.Services.GetRequiredService<IClusterMembershipService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(timeout.Token))
        {
            if (snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) == count)
            {
                return;
            }
        }

        // The updates end quietly when the timeout cancels them, so falling out of the loop is the failure.
        throw new TimeoutException($"The silo's view did not reach {count} active silo(s) within 30 s.");
    }
}
