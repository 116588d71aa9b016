namespace QpActors.Simulation.Generation;

/// <summary>
/// Generates a synthetic neighbourhood's contact events lazily, in the order phones would send them.
/// </summary>
/// <remarks>
/// Every child's life is a pure function of (seed, ward, index), so nothing is materialised: a k-way merge
/// keeps one cursor per open timeline (children are opened in birth order just before their first possible
/// contact) and a bounded look-ahead buffer of sends waiting for their send time. A send leaves the buffer
/// once no timeline can still produce anything earlier, which keeps sends in time order even when phones
/// sync weeks late. Both structures scale with births per year and lateness, not with the run's length.
/// </remarks>
public sealed class ContactGenerator
{
    private static readonly long NormalDelayMin = TimeSpan.FromSeconds(5).Ticks;
    private static readonly long NormalDelayMax = TimeSpan.FromMinutes(30).Ticks;
    private static readonly double LateDelayMin = TimeSpan.FromHours(2).Ticks;
    private static readonly double LateDelayMax = TimeSpan.FromDays(21).Ticks;
    private static readonly double ResendDelayMin = TimeSpan.FromSeconds(1).Ticks;
    private static readonly double ResendDelayMax = TimeSpan.FromDays(2).Ticks;

    private const int PlanCacheSlots = 1 << 14;

    private readonly WardProfileSet _profiles;

    public ContactGenerator(GeneratorOptions options, WardProfileSet? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _profiles = profiles ?? WardProfileSet.Default;
        Totals = SimulationTotals.For(options, _profiles);
    }

    public GeneratorOptions Options { get; }

    public SimulationTotals Totals { get; }

    /// <summary>Buffer sizes of the latest (or current) enumeration of <see cref="Generate"/>.</summary>
    public GeneratorDiagnostics Diagnostics { get; private set; } = new();

    public IEnumerable<GeneratedContact> Generate()
    {
        var profiles = Options.Wards.Select(_profiles.Resolve).ToArray();
        var children = SimulationTotals.ChildrenPerWard(profiles, Options);
        var wards = profiles.Select((p, i) => new WardTimeline(p, i, children[i], Options)).ToArray();
        return Run(wards);
    }

    private IEnumerable<GeneratedContact> Run(WardTimeline[] wards)
    {
        var diagnostics = new GeneratorDiagnostics();
        Diagnostics = diagnostics;
        var asOf = wards[0].AsOfTicks;
        var lateFraction = Options.LateFraction;
        var duplicateFraction = Options.DuplicateFraction;
        var writer = new ContactWriter();
        var plans = new PlanCache(PlanCacheSlots);
        long sequence = 0;

        var timelines = new PriorityQueue<Cursor, OrderKey>(OrderKey.Comparer);
        var sends = new PriorityQueue<PendingSend, OrderKey>(OrderKey.Comparer);
        var unopened = new PriorityQueue<int, OrderKey>(OrderKey.Comparer);
        var nextChild = new int[wards.Length];

        foreach (var ward in wards)
        {
            unopened.Enqueue(ward.Slot, new OrderKey(ward.LowerBound(0), sequence++));
            var first = ward.FirstDropIn();
            if (first >= 0 && ward.DropInTicks(first) < asOf)
            {
                timelines.Enqueue(new Cursor(ward.Slot, -1, first), new OrderKey(ward.DropInTicks(first), sequence++));
            }
        }

        while (true)
        {
            var openBound = unopened.TryPeek(out _, out var openKey) ? openKey.Ticks : long.MaxValue;
            var timelineBound = timelines.TryPeek(out _, out var timelineKey) ? timelineKey.Ticks : long.MaxValue;

            // Anything not yet planned happens (and so is sent) no earlier than both bounds.
            if (sends.TryPeek(out var pending, out var sendKey) && sendKey.Ticks <= Math.Min(openBound, timelineBound))
            {
                sends.Dequeue();
                diagnostics.ContactsSent++;
                yield return Materialise(pending, wards[pending.Ward], writer);
                continue;
            }

            if (openBound == long.MaxValue && timelineBound == long.MaxValue)
            {
                yield break;
            }

            if (openBound <= timelineBound)
            {
                var slot = unopened.Dequeue();
                var ward = wards[slot];
                var child = nextChild[slot]++;
                diagnostics.ChildrenAdmitted++;
                var plan = plans.Get(ward, child);
                if (plan.Length > 0 && plan[0].Ticks < asOf)
                {
                    timelines.Enqueue(new Cursor(slot, child, 0), new OrderKey(plan[0].Ticks, sequence++));
                }

                if (nextChild[slot] < ward.Children && ward.LowerBound(nextChild[slot]) < asOf)
                {
                    unopened.Enqueue(slot, new OrderKey(ward.LowerBound(nextChild[slot]), sequence++));
                }

                diagnostics.PeakActiveTimelines = Math.Max(diagnostics.PeakActiveTimelines, timelines.Count);
                continue;
            }

            var cursor = timelines.Dequeue();
            var timeline = wards[cursor.Ward];
            PlannedContact contact;
            if (cursor.Child < 0)
            {
                contact = timeline.DropIn(cursor.Ordinal);
                var next = cursor.Ordinal + 1;
                if (timeline.DropInTicks(next) < asOf)
                {
                    timelines.Enqueue(cursor with { Ordinal = next }, new OrderKey(timeline.DropInTicks(next), sequence++));
                }
            }
            else
            {
                var plan = plans.Get(timeline, cursor.Child);
                contact = plan[cursor.Ordinal];
                var next = (int)cursor.Ordinal + 1;
                if (next < plan.Length && plan[next].Ticks < asOf)
                {
                    timelines.Enqueue(cursor with { Ordinal = next }, new OrderKey(plan[next].Ticks, sequence++));
                }
            }

            var rng = DeterministicRandom.For(timeline.Key ^ 0x5EED5EED5EEDUL, cursor.Child, cursor.Ordinal + Purpose.Send);
            var delay = rng.Chance(lateFraction)
                ? (long)rng.LogUniform(LateDelayMin, LateDelayMax)
                : rng.NextLong(NormalDelayMin, NormalDelayMax);
            var sentAt = Math.Min(contact.Ticks + delay, asOf);
            sends.Enqueue(new PendingSend(cursor.Ward, cursor.Child, cursor.Ordinal, contact, sentAt, false), new OrderKey(sentAt, sequence++));
            if (rng.Chance(duplicateFraction))
            {
                // The phone did not see the acknowledgement and sends the same event again.
                var resentAt = Math.Min(sentAt + (long)rng.LogUniform(ResendDelayMin, ResendDelayMax), asOf);
                sends.Enqueue(new PendingSend(cursor.Ward, cursor.Child, cursor.Ordinal, contact, resentAt, true), new OrderKey(resentAt, sequence++));
            }

            diagnostics.PeakLookAhead = Math.Max(diagnostics.PeakLookAhead, sends.Count);
        }
    }

    private static GeneratedContact Materialise(in PendingSend pending, WardTimeline ward, ContactWriter writer)
    {
        var eventId = pending.Child < 0
            ? ward.DropInEventId(pending.Ordinal)
            : ward.ChildEventId(pending.Child, (int)pending.Ordinal);
        var json = writer.Write(pending.Contact, ward, pending.Child, eventId);
        return new GeneratedContact(
            ContactWriter.RecorderOf(pending.Contact, ward.Profile),
            json,
            eventId,
            new DateTimeOffset(pending.Contact.Ticks, TimeSpan.Zero),
            new DateTimeOffset(pending.SentTicks, TimeSpan.Zero),
            pending.Duplicate,
            ContactWriter.TypeOf(pending.Contact.Kind));
    }

    private readonly record struct Cursor(int Ward, int Child, long Ordinal);

    /// <summary>
    /// A fixed-size, direct-mapped cache of children's plans. Re-planning a child is pure but costs a few
    /// microseconds per contact; the cache saves most of that for a ward-sized run while its memory stays
    /// bounded (a miss simply plans again), so a run of a million children still holds only the slots.
    /// </summary>
    private sealed class PlanCache(int slots)
    {
        private readonly long[] _keys = Enumerable.Repeat(-1L, slots).ToArray();
        private readonly PlannedContact[]?[] _plans = new PlannedContact[slots][];
        private readonly PlannedContact[] _scratch = new PlannedContact[ChildPlanner.MaxContacts];

        public PlannedContact[] Get(WardTimeline ward, int child)
        {
            var key = ((long)ward.Slot << 32) | (uint)child;
            var slot = (int)(DeterministicRandom.Mix((ulong)key) & (ulong)(_keys.Length - 1));
            if (_keys[slot] == key && _plans[slot] is { } cached)
            {
                return cached;
            }

            var count = ChildPlanner.Plan(ward, child, _scratch);
            var plan = _scratch.AsSpan(0, count).ToArray();
            _keys[slot] = key;
            _plans[slot] = plan;
            return plan;
        }
    }

    private readonly record struct PendingSend(int Ward, int Child, long Ordinal, PlannedContact Contact, long SentTicks, bool Duplicate);

    /// <summary>Time first, then arrival order, so equal times come out in a reproducible order.</summary>
    private readonly record struct OrderKey(long Ticks, long Sequence)
    {
        public static readonly IComparer<OrderKey> Comparer = Comparer<OrderKey>.Create(static (x, y) =>
            x.Ticks != y.Ticks ? x.Ticks.CompareTo(y.Ticks) : x.Sequence.CompareTo(y.Sequence));
    }
}
