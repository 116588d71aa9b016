using Microsoft.Extensions.DependencyInjection;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// The background pass that dates older family entries (<see cref="WardGrain.DateUndatedFamiliesAsync"/>): the wards of
/// one silo take turns through its <see cref="WardDatingGate"/>, one ward's group of families at a time, and no worklist
/// read waits for a group in flight. Each test moves the clock and restarts the silo, so each has a cluster of its own.
/// </summary>
public sealed class WardDatingGateTests
{
    private const int Group = WardGrain.FamiliesDatedInFlight;

    [Fact]
    public async Task A_second_turn_waits_until_the_first_is_handed_on_and_a_turn_handed_on_twice_frees_one_place_only()
    {
        using var gate = new WardDatingGate();
        var first = await gate.TakeTurnAsync();
        var second = gate.TakeTurnAsync();
        Assert.False(second.IsCompleted);

        first.Dispose();
        var secondTurn = await second.WaitAsync(Delivery.Deadline);

        // The first turn handed on again (a using and a finally both disposing it) lets no third ward in beside the second.
        first.Dispose();
        var third = gate.TakeTurnAsync();
        Assert.False(third.IsCompleted);
        secondTurn.Dispose();
        (await third.WaitAsync(Delivery.Deadline)).Dispose();
    }

    [Fact]
    public async Task Two_wards_dating_in_the_background_on_one_silo_ask_their_families_one_ward_at_a_time()
    {
        var watch = new DatingWatch();
        await using var cluster = await Cluster.StartAsync(watch.Register);
        const string first = "turns-first", second = "turns-second";
        var (firstSince, firstChanged) = await StoreOlderEntriesAsync(cluster, first);
        var (secondSince, secondChanged) = await StoreOlderEntriesAsync(cluster, second);
        await cluster.RestartAsync();

        // The first ward activates a few seconds before the second, so its first tick comes first.
        var apart = TimeSpan.FromSeconds(5);
        await WorklistChangedSinceTests.AllAsync(cluster, first);
        cluster.Clock.Advance(apart);
        await WorklistChangedSinceTests.AllAsync(cluster, second);

        watch.Hold();
        try
        {
            // The first ward's group is asked and held there: the silo's turn is the first ward's while it is.
            cluster.Clock.Advance(WardGrain.DatingStartsAfter - apart);
            await watch.AskedAsync(Group).WaitAsync(Delivery.Deadline);

            // The second ward's tick runs as far as it can go without the turn; only then are the first ward's families let answer.
            cluster.Clock.Advance(apart);
            await watch.TickWaitingAsync(second).WaitAsync(Delivery.Deadline);
            Assert.Equal(1, watch.MostWardsAskingAtOnce);
        }
        finally
        {
            watch.Release();
        }

        // The second ward's group follows once the first's has answered; never the two at once.
        await watch.AskedAsync(2 * Group).WaitAsync(Delivery.Deadline);
        await cluster.DrainAsync();
        Assert.Equal(2 * Group, watch.Asked);
        Assert.Equal(1, watch.MostWardsAskingAtOnce);
        Assert.Equal(firstChanged, await WorklistChangedSinceTests.ChangedSinceAsync(cluster, first, firstSince));
        Assert.Equal(secondChanged, await WorklistChangedSinceTests.ChangedSinceAsync(cluster, second, secondSince));
        Assert.Equal(2 * Group, watch.Asked);
    }

    [Fact]
    public async Task A_worklist_read_with_or_without_changed_since_does_not_wait_for_a_background_group_in_flight()
    {
        var watch = new DatingWatch();
        await using var cluster = await Cluster.StartAsync(watch.Register);
        const string ward = "unwaited-ward";
        var (since, changed) = await StoreOlderEntriesAsync(cluster, ward);
        await cluster.RestartAsync();
        await WorklistChangedSinceTests.AllAsync(cluster, ward);

        watch.Hold();
        try
        {
            // The tick asks the ward's whole group, and the families hold their answers.
            cluster.Clock.Advance(WardGrain.DatingStartsAfter);
            await watch.AskedAsync(Group).WaitAsync(Delivery.Deadline);

            // Both lists answer while the group is in flight: every family still undated, so listed as possibly changed, and
            // the changedSince list asks none of them again (they are being asked).
            var all = await WorklistChangedSinceTests.AllAsync(cluster, ward).WaitAsync(Delivery.Deadline);
            Assert.Equal(Group, all.Total);
            Assert.All(all.Items, i => Assert.Null(i.RiskChangedAt));
            var listed = await WorklistChangedSinceTests.ChangedSinceAsync(cluster, ward, since).WaitAsync(Delivery.Deadline);
            Assert.Equal(all.Items.Select(i => i.FamilyId).Order(StringComparer.Ordinal), listed);
            Assert.Equal(Group, watch.Asked);
        }
        finally
        {
            watch.Release();
        }

        // Once the group has answered, the list is exact and asks no one.
        await cluster.DrainAsync();
        Assert.Equal(changed, await WorklistChangedSinceTests.ChangedSinceAsync(cluster, ward, since));
        Assert.Equal(Group, watch.Asked);
    }

    /// <summary>
    /// One background group's worth of families in <paramref name="ward"/>, every fourth with a concern an hour later, their
    /// entries then written back in the layout before entries carried the change instants. Returns the concern's instant
    /// and the families it changed, in order.
    /// </summary>
    private static async Task<(DateTimeOffset Since, string[] Changed)> StoreOlderEntriesAsync(Cluster cluster, string ward)
    {
        var events = new Events(cluster.Clock, ward);
        var families = Enumerable.Range(0, Group).Select(i => $"{ward}-{i:D2}").ToArray();
        await Events.RecordAllAsync(cluster.Client, families.Select(f => events.FamilyRegistered(f, cluster.Clock.GetUtcNow(), ward: ward)));
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var since = cluster.Clock.GetUtcNow();
        var changed = families.Where((_, i) => i % 4 == 0).ToArray();
        await Events.RecordAllAsync(cluster.Client, changed.Select(f => events.Concern(f, "domestic-abuse", since)));
        await cluster.DrainAsync();
        Assert.Equal(Group, await WorklistChangedSinceTests.WriteInTheOlderLayoutAsync(cluster, ward));
        return (since, changed);
    }

    /// <summary>
    /// Watches the background dating on a silo: counts the families asked for a fresh entry and, while told to, holds their
    /// answers; tells when a ward's tick has run as far as it goes without waiting; and keeps the most wards that had
    /// asks in flight at one moment, counted in the ward's own turn as it sends them.
    /// </summary>
    private sealed class DatingWatch : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _askingByWard = new(StringComparer.Ordinal);
        private readonly List<(int Count, TaskCompletionSource Reached)> _awaitedCounts = [];
        private readonly Dictionary<string, TaskCompletionSource> _ticksWaiting = new(StringComparer.Ordinal);
        private TaskCompletionSource? _held;
        private int _asked;
        private int _mostWardsAsking;

        public int Asked
        {
            get
            {
                lock (_gate)
                {
                    return _asked;
                }
            }
        }

        public int MostWardsAskingAtOnce
        {
            get
            {
                lock (_gate)
                {
                    return _mostWardsAsking;
                }
            }
        }

        public void Register(IServiceCollection services)
        {
            services.AddSingleton<IIncomingGrainCallFilter>(this);
            services.AddSingleton<IOutgoingGrainCallFilter>(this);
        }

        public void Hold()
        {
            lock (_gate)
            {
                _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Release()
        {
            TaskCompletionSource? held;
            lock (_gate)
            {
                held = _held;
                _held = null;
            }

            held?.TrySetResult();
        }

        /// <summary>Completes once at least <paramref name="count"/> families have been asked.</summary>
        public Task AskedAsync(int count)
        {
            lock (_gate)
            {
                if (_asked >= count)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _awaitedCounts.Add((count, reached));
                return reached.Task;
            }
        }

        /// <summary>Completes once a tick of <paramref name="ward"/> has run up to its first wait (or to its end).</summary>
        public Task TickWaitingAsync(string ward)
        {
            lock (_gate)
            {
                return TickWaiting(ward).Task;
            }
        }

        private TaskCompletionSource TickWaiting(string ward)
        {
            if (!_ticksWaiting.TryGetValue(ward, out var waiting))
            {
                waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _ticksWaiting[ward] = waiting;
            }

            return waiting;
        }

        async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod.Name == nameof(IWardGrain.DateUndatedFamiliesAsync))
            {
                // The grain method runs in this call until it first waits; the task it returns then is still running.
                var running = context.Invoke();
                lock (_gate)
                {
                    TickWaiting(context.TargetId.Key.ToString()!).TrySetResult();
                }

                await running;
                return;
            }

            if (context.InterfaceMethod.Name != nameof(IFamilyGrain.RewriteWardEntryAsync))
            {
                await context.Invoke();
                return;
            }

            Task held;
            lock (_gate)
            {
                _asked++;
                foreach (var awaited in _awaitedCounts.Where(a => a.Count <= _asked).ToArray())
                {
                    awaited.Reached.TrySetResult();
                    _awaitedCounts.Remove(awaited);
                }

                held = _held?.Task ?? Task.CompletedTask;
            }

            await held;
            await context.Invoke();
        }

        async Task IOutgoingGrainCallFilter.Invoke(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod.Name != nameof(IFamilyGrain.RewriteWardEntryAsync) || context.SourceId is not { } source)
            {
                await context.Invoke();
                return;
            }

            var ward = source.Key.ToString()!;
            lock (_gate)
            {
                _askingByWard[ward] = _askingByWard.GetValueOrDefault(ward) + 1;
                _mostWardsAsking = Math.Max(_mostWardsAsking, _askingByWard.Count);
            }

            try
            {
                await context.Invoke();
            }
            finally
            {
                lock (_gate)
                {
                    if (--_askingByWard[ward] == 0)
                    {
                        _askingByWard.Remove(ward);
                    }
                }
            }
        }
    }
}
