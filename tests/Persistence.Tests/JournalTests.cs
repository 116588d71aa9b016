namespace QpActors.Persistence.Tests;

/// <summary>Journal behaviour, run against each store by the classes below.</summary>
public static class JournalScenarios
{
    // Microsecond precision, the finest both stores keep.
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 15, 0, TimeSpan.Zero);

    public static JournalEvent Event(
        string id,
        string? childId = "c-1",
        string? familyId = "f-1",
        string recordedBy = "hv-1",
        string payload = """{"note":"ok"}""") =>
        new(0, id, "birth-notified", T0, T0.AddMinutes(1), recordedBy, familyId, childId, null, "queens-park", 1, System.Text.Encoding.UTF8.GetBytes(payload));

    /// <summary>A ward entry whose payload is <paramref name="json"/> as UTF-8, as the grains write them.</summary>
    public static WardEntry Ward(string entryKey, string wardCode, string kind, long version, string json) =>
        new(entryKey, wardCode, kind, version, System.Text.Encoding.UTF8.GetBytes(json));

    public static async Task AppendsAndReadsBack(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var occurred = new DateTimeOffset(2026, 11, 20, 11, 15, 0, TimeSpan.FromHours(1)).AddTicks(1_234_560);
        var written = new JournalEvent(0, "e-1", "birth-notified", occurred, occurred.AddSeconds(3), "hv-1",
            "f-1", "c-1", "ch-9", "queens-park", 7, """{"dateOfBirth":"2026-11-18", "wardCode": "queens-park", "note": "ŵ café – 𝄞"}"""u8.ToArray());

        var result = await journal.AppendAsync(JournalWrite.ForEvent(written));
        var found = await journal.FindEventAsync("e-1");

        Assert.True(result.Inserted);
        Assert.True(result.Seq > 0);
        Assert.NotNull(found);
        Assert.Equal(written with { Seq = result.Seq }, found);
        Assert.Equal(TimeSpan.Zero, found.OccurredAt.Offset);
        Assert.Null(await journal.FindEventAsync("e-unknown"));
        Assert.Equal(1, await journal.CountEventsAsync());
    }

    public static async Task ReadsBySelectorInSeqOrder(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var a = await journal.AppendAsync(JournalWrite.ForEvent(Event("e-1", childId: "c-1", familyId: "f-1", recordedBy: "hv-1")));
        var b = await journal.AppendAsync(JournalWrite.ForEvent(Event("e-2", childId: "c-2", familyId: "f-1", recordedBy: "hv-2")));
        var withChampion = Event("e-3", childId: "c-1", familyId: "f-1", recordedBy: "hv-2") with { ChampionId = "ch-1" };
        var c = await journal.AppendAsync(JournalWrite.ForEvent(withChampion));

        Assert.Equal(["e-1", "e-3"], (await journal.ReadEventsAsync(EventQuery.ForChild("c-1"))).Select(e => e.EventId));
        Assert.Equal(["e-3"], (await journal.ReadEventsAsync(EventQuery.ForChild("c-1", afterSeq: a.Seq))).Select(e => e.EventId));
        Assert.Equal(["e-1", "e-2", "e-3"], (await journal.ReadEventsAsync(EventQuery.ForFamily("f-1"))).Select(e => e.EventId));
        Assert.Equal(["e-3"], (await journal.ReadEventsAsync(EventQuery.ForChampion("ch-1"))).Select(e => e.EventId));
        Assert.Equal(["e-2", "e-3"], (await journal.ReadEventsAsync(EventQuery.ForRecorder("hv-2"))).Select(e => e.EventId));
        Assert.Equal(["e-2"], (await journal.ReadEventsAsync(EventQuery.ForFamily("f-1", a.Seq) with { Limit = 1 })).Select(e => e.EventId));
        Assert.True(a.Seq < b.Seq && b.Seq < c.Seq);
    }

    public static async Task DeparturesCommitWithTheMoveAndKeepTheNewestVersion(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        await journal.AppendAsync(new JournalWrite(Event("e-1"), [Ward("family:f-1", "harrow-road", "family", 4, """{"v":4}""")], [], [],
            [new WardDeparture("queens-park", "family:f-1", 4)]));
        await journal.AppendAsync(new JournalWrite(Event("e-2"), [Ward("family:f-1", "harrow-road", "family", 6, """{"v":6}""")], [], [],
            [new WardDeparture("queens-park", "family:f-1", 6), new WardDeparture("westbourne", "family:f-1", 5)]));

        // Older, or a duplicate event: neither lowers nor adds anything.
        await journal.AppendAsync(new JournalWrite(null, [], [], [], [new WardDeparture("queens-park", "family:f-1", 2)]));
        await journal.AppendAsync(new JournalWrite(Event("e-1"), [], [], [], [new WardDeparture("church-street", "family:f-1", 9)]));

        Assert.Equal(new WardDeparture("queens-park", "family:f-1", 6), Assert.Single(await journal.ReadWardDeparturesAsync("queens-park")));
        Assert.Equal(new WardDeparture("westbourne", "family:f-1", 5), Assert.Single(await journal.ReadWardDeparturesAsync("westbourne")));
        Assert.Empty(await journal.ReadWardDeparturesAsync("church-street"));
        Assert.Empty(await journal.ReadWardDeparturesAsync("harrow-road"));
    }

    public static async Task AUnitThatMeetsAStoredIdWritesNothingButItsAuditAndLeavesItsNeighboursAlone(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var held = await journal.AppendAsync(JournalWrite.ForEvent(Event("held", childId: "c-2")));

        // c-1's unit reuses, by a fault, an id c-2's event holds. It carries what a child's unit does (an entry, a
        // deadline, a departure) and an audit entry; single writes queue before and after it, so they may share its commit.
        var before = Enumerable.Range(0, 20).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"s-{i}", childId: "c-3")))).ToList();
        var unit = journal.AppendAllAsync([
            JournalWrite.ForEvent(Event("u-1")),
            JournalWrite.ForEvent(Event("held")),
            new JournalWrite(Event("u-3"), [Ward("child:c-1", "queens-park", "child", 3, """{"v":3}""")], [new Deadline("child:c-1", T0)],
                [Audit("hv-1", "f-1", T0)], [new WardDeparture("westbourne", "child:c-1", 3)])]);
        var after = Enumerable.Range(20, 20).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"s-{i}", childId: "c-3")))).ToList();

        var results = await unit;
        var singles = await Task.WhenAll(before.Concat(after));

        Assert.Equal([AppendResult.Withheld, new AppendResult(false, held.Seq), AppendResult.Withheld], results);
        Assert.True(results[1].Taken);
        Assert.Empty(await journal.ReadEventsAsync(EventQuery.ForChild("c-1")));
        Assert.Null(await journal.FindEventAsync("u-1"));
        Assert.Empty(await journal.ReadWardEntriesAsync("queens-park"));
        Assert.Empty(await journal.ReadWardDeparturesAsync("westbourne"));
        Assert.Empty(await journal.ReadDueAsync(T0.AddDays(1), 10));
        Assert.Single(await journal.ReadAuditAsync(new AuditQuery { UserId = "hv-1" }));
        Assert.All(singles, r => Assert.True(r.Inserted));
        Assert.Equal(41, await journal.CountEventsAsync());

        // Sent again without the taken id, the unit commits whole, in order.
        var again = await journal.AppendAllAsync([
            JournalWrite.ForEvent(Event("u-1") with { EntityVersion = 1 }),
            new JournalWrite(Event("u-3") with { EntityVersion = 2 }, [Ward("child:c-1", "queens-park", "child", 2, """{"v":2}""")], [new Deadline("child:c-1", T0)], [])]);
        Assert.All(again, r => Assert.True(r.Inserted));
        Assert.True(again[0].Seq < again[1].Seq);
        Assert.Equal([1L, 2L], (await journal.ReadEventsAsync(EventQuery.ForChild("c-1"))).Select(e => e.EntityVersion));
        Assert.Equal([(2L, """{"v":2}""")], (await journal.ReadWardEntriesAsync("queens-park")).Select(e => (e.Version, e.Payload.ToString())));
    }

    public static async Task AnIdARefusedUnitHadInsertedIsFreeForTheNextCaller(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var held = await journal.AppendAsync(JournalWrite.ForEvent(Event("held", childId: "c-2")));

        // Two callers send x-1 at once: the first in a unit refused for the stored id. The second must find x-1 free,
        // in the same commit or the next, not be told it is taken by a row that never committed.
        var busy = Enumerable.Range(0, 20).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"s-{i}", childId: "c-3")))).ToList();
        var refused = journal.AppendAllAsync([JournalWrite.ForEvent(Event("x-1")), JournalWrite.ForEvent(Event("held"))]);
        var other = journal.AppendAllAsync([JournalWrite.ForEvent(Event("x-1", childId: "c-4")), JournalWrite.ForEvent(Event("y-1", childId: "c-4"))]);
        await Task.WhenAll(busy);

        Assert.Equal([AppendResult.Withheld, new AppendResult(false, held.Seq)], await refused);
        Assert.All(await other, r => Assert.True(r.Inserted));
        Assert.Equal(["x-1", "y-1"], (await journal.ReadEventsAsync(EventQuery.ForChild("c-4"))).Select(e => e.EventId));
        Assert.Empty(await journal.ReadEventsAsync(EventQuery.ForChild("c-1")));
    }

    public static async Task ADepartureGoesWhenTheEntityIsBackInThatWardAtANewerVersion(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);

        // f-1 leaves queens-park at version 4 and comes back at 6; f-2 leaves queens-park at 5, and a stale write of
        // version 3 naming queens-park again (refused by its entry) must not take the departure with it.
        await journal.AppendAsync(new JournalWrite(Event("e-1"), [Ward("family:f-1", "harrow-road", "family", 4, """{"v":4}""")], [], [],
            [new WardDeparture("queens-park", "family:f-1", 4)]));
        await journal.AppendAsync(new JournalWrite(Event("e-2", familyId: "f-2"), [Ward("family:f-2", "harrow-road", "family", 5, """{"v":5}""")], [], [],
            [new WardDeparture("queens-park", "family:f-2", 5)]));
        await journal.AppendAsync(new JournalWrite(Event("e-3"), [Ward("family:f-1", "queens-park", "family", 6, """{"v":6}""")], [], [],
            [new WardDeparture("harrow-road", "family:f-1", 6)]));
        await journal.AppendAsync(new JournalWrite(Event("e-4", familyId: "f-2"), [Ward("family:f-2", "queens-park", "family", 3, """{"v":3}""")], [], [],
            [new WardDeparture("harrow-road", "family:f-2", 3)]));

        Assert.Equal([new WardDeparture("queens-park", "family:f-2", 5)], await journal.ReadWardDeparturesAsync("queens-park"));
        Assert.Contains(new WardDeparture("harrow-road", "family:f-1", 6), await journal.ReadWardDeparturesAsync("harrow-road"));
    }

    /// <summary>
    /// A mark that took back the record that put an entity in a ward writes its departure with no entry elsewhere: the
    /// entity's entry in that ward goes in the same commit, up to the departure's version, and nothing else does.
    /// </summary>
    public static async Task ADepartureWithNoEntryElsewhereTakesTheEntitysEntryInThatWardInTheSameCommit(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var held = await journal.AppendAsync(JournalWrite.ForEvent(Event("held", childId: "c-9")));
        await journal.AppendAsync(new JournalWrite(null,
            [
                Ward("child:c-1", "queens-park", "child", 3, """{"v":3}"""),
                Ward("child:c-2", "queens-park", "child", 2, """{"v":2}"""),
                Ward("family:f-1", "queens-park", "family", 5, """{"v":5}"""),
                Ward("family:f-2", "queens-park", "family", 7, """{"v":7}"""),
            ], [], []));

        // c-1's mark leaves queens-park at 4; f-2's departure at 6 is older than its entry; f-1's names a ward it is not in;
        // c-2's comes in a unit the journal refuses (an id already stored), which writes none of it.
        Assert.True((await journal.AppendAsync(new JournalWrite(Event("m-1"), [], [], [], WardDeparture.Leaving("queens-park", "child:c-1", 4)))).Inserted);
        await journal.AppendAsync(new JournalWrite(null, [], [], [], WardDeparture.Leaving("queens-park", "family:f-2", 6)));
        await journal.AppendAsync(new JournalWrite(null, [], [], [], WardDeparture.Leaving("harrow-road", "family:f-1", 9)));
        Assert.Equal(
            [AppendResult.Withheld, new AppendResult(false, held.Seq)],
            await journal.AppendAllAsync([
                new JournalWrite(Event("m-2", childId: "c-2"), [], [], [], WardDeparture.Leaving("queens-park", "child:c-2", 3)),
                JournalWrite.ForEvent(Event("held", childId: "c-2"))]));

        Assert.Equal(
            [("child:c-2", 2L), ("family:f-1", 5L), ("family:f-2", 7L)],
            (await journal.ReadWardEntriesAsync("queens-park")).Select(e => (e.EntryKey, e.Version)));

        // f-2's departure goes too, as any departure does when the ward holds a newer entry of its entity.
        Assert.Equal([new WardDeparture("queens-park", "child:c-1", 4)], await journal.ReadWardDeparturesAsync("queens-park"));
    }

    public static async Task ADepartureOfAnEntityThatStaysAwayGoesOnceItIsOlderThanItsKeep(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0);
        await using var journal = EventJournalFactory.Create(store.Settings, new JournalOptions { TimeProvider = clock });
        var keep = TimeSpan.FromDays(7);

        // f-1 and f-2 leave queens-park and never come back. Two days later a newer move of f-2 from queens-park rewrites
        // its row (stamped afresh); a day after that f-1 moves on from harrow-road (a row there, queens-park's untouched).
        await journal.AppendAsync(new JournalWrite(Event("e-1"), [Ward("family:f-1", "harrow-road", "family", 4, """{"v":4}""")], [], [],
            [new WardDeparture("queens-park", "family:f-1", 4)]));
        await journal.AppendAsync(new JournalWrite(Event("e-2", familyId: "f-2"), [Ward("family:f-2", "harrow-road", "family", 3, """{"v":3}""")], [], [],
            [new WardDeparture("queens-park", "family:f-2", 3)]));
        clock.Advance(TimeSpan.FromDays(2));
        await journal.AppendAsync(new JournalWrite(Event("e-4", familyId: "f-2"), [Ward("family:f-2", "harrow-road", "family", 5, """{"v":5}""")], [], [],
            [new WardDeparture("queens-park", "family:f-2", 5)]));
        clock.Advance(TimeSpan.FromDays(1));
        await journal.AppendAsync(new JournalWrite(Event("e-3"), [Ward("family:f-1", "westbourne", "family", 6, """{"v":6}""")], [], [],
            [new WardDeparture("harrow-road", "family:f-1", 6)]));

        // Still within the keep: every row is kept, however often the sweep asks.
        clock.Advance(TimeSpan.FromDays(4) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await journal.PruneWardDeparturesAsync(keep));
        Assert.Equal(2, (await journal.ReadWardDeparturesAsync("queens-park")).Count);

        // A week after f-1 left queens-park its row goes; f-2's, rewritten since, and f-1's later one stay until their week is up.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await journal.PruneWardDeparturesAsync(keep));
        Assert.Equal([new WardDeparture("queens-park", "family:f-2", 5)], await journal.ReadWardDeparturesAsync("queens-park"));
        Assert.Equal([new WardDeparture("harrow-road", "family:f-1", 6)], await journal.ReadWardDeparturesAsync("harrow-road"));

        clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(2, await journal.PruneWardDeparturesAsync(keep));
        Assert.Empty(await journal.ReadWardDeparturesAsync("queens-park"));
        Assert.Empty(await journal.ReadWardDeparturesAsync("harrow-road"));
    }

    public static async Task DuplicateKeepsTheOriginalAndAppliesNothing(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var first = await journal.AppendAsync(new JournalWrite(
            Event("e-1"), [Ward("child:c-1", "queens-park", "child", 1, """{"v":1}""")], [], []));

        var again = await journal.AppendAsync(new JournalWrite(
            Event("e-1", payload: """{"note":"changed"}"""),
            [Ward("child:c-1", "queens-park", "child", 2, """{"v":2}""")],
            [new Deadline("child:c-1", T0)],
            [Audit("u-1", "f-1", T0)]));

        Assert.True(first.Inserted);
        Assert.False(again.Inserted);
        Assert.Equal(first.Seq, again.Seq);
        Assert.Equal("""{"note":"ok"}""", System.Text.Encoding.UTF8.GetString((await journal.FindEventAsync("e-1"))!.Payload.Bytes));
        Assert.Equal(1, Assert.Single(await journal.ReadWardEntriesAsync("queens-park")).Version);
        Assert.Empty(await journal.ReadDueAsync(T0.AddYears(1), 10));
        Assert.Single(await journal.ReadAuditAsync(new AuditQuery()));
        Assert.Equal(1, await journal.CountEventsAsync());
    }

    public static async Task DuplicatesInOneBatchFirstWins(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);

        // One flusher keeps queue order; with several, "first" means first to commit.
        await using var journal = EventJournalFactory.Create(store.Settings, new JournalOptions { PostgresFlushers = 1 });
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => journal.AppendAsync(new JournalWrite(
            Event("e-same", payload: $$"""{"n":{{i}}}"""),
            [Ward("child:c-1", "queens-park", "child", i + 1, $$"""{"n":{{i}}}""")], [], []))));

        Assert.Single(results, r => r.Inserted);
        Assert.True(results[0].Inserted);
        Assert.All(results, r => Assert.Equal(results[0].Seq, r.Seq));
        Assert.Equal("""{"n":0}""", System.Text.Encoding.UTF8.GetString((await journal.FindEventAsync("e-same"))!.Payload.Bytes));
        Assert.Equal(1, Assert.Single(await journal.ReadWardEntriesAsync("queens-park")).Version);
    }

    public static async Task StoredEventAmongNewOnesSpoilsNothing(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);

        // One flusher, so the writes queued together go out in as few batches as possible and
        // the stored id lands in a batch with new ones.
        await using var journal = EventJournalFactory.Create(store.Settings, new JournalOptions { PostgresFlushers = 1 });
        var stored = await journal.AppendAsync(new JournalWrite(
            Event("e-stored"), [Ward("child:c-stored", "queens-park", "child", 1, """{"v":1}""")], [], []));
        static JournalWrite New(int i) => new(
            Event($"e-{i}", childId: $"c-{i}", recordedBy: "bulk"),
            [Ward($"child:c-{i}", "queens-park", "child", 1, $$"""{"i":{{i}}}""")],
            [new Deadline($"child:c-{i}", T0.AddDays(1))],
            []);

        var before = Enumerable.Range(0, 30).Select(i => journal.AppendAsync(New(i))).ToList();
        var retry = journal.AppendAsync(new JournalWrite(
            Event("e-stored", payload: """{"note":"retried"}"""),
            [Ward("child:c-stored", "queens-park", "child", 2, """{"v":2}""")],
            [new Deadline("child:c-stored", T0)],
            [Audit("u-1", "f-1", T0)]));
        var after = Enumerable.Range(30, 30).Select(i => journal.AppendAsync(New(i))).ToList();
        var fresh = await Task.WhenAll(before.Concat(after));
        var again = await retry;

        Assert.False(again.Inserted);
        Assert.Equal(stored.Seq, again.Seq);
        Assert.All(fresh, r => Assert.True(r.Inserted));
        Assert.Equal(60, fresh.Select(r => r.Seq).Distinct().Count());
        Assert.Equal(61, await journal.CountEventsAsync());
        Assert.Equal(fresh.Select(r => r.Seq).Order(), (await journal.ReadEventsAsync(EventQuery.ForRecorder("bulk"))).Select(e => e.Seq));

        // The new writes' entries and deadlines applied; the retry's did not, but its audit did.
        var ward = await journal.ReadWardEntriesAsync("queens-park");
        Assert.Equal(61, ward.Count);
        Assert.Equal(1, ward.Single(e => e.EntryKey == "child:c-stored").Version);
        Assert.Equal(60, (await journal.ReadDueAsync(T0.AddDays(2), 100)).Count);
        Assert.Single(await journal.ReadAuditAsync(new AuditQuery()));
        Assert.Equal("""{"note":"ok"}""", System.Text.Encoding.UTF8.GetString((await journal.FindEventAsync("e-stored"))!.Payload.Bytes));
    }

    public static async Task WritesAllPartsTogether(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var write = new JournalWrite(
            Event("e-1"),
            [
                Ward("child:c-1", "queens-park", "child", 1, """{"name":"c-1"}"""),
                Ward("family:f-1", "queens-park", "family", 1, """{"name":"f-1","note":"ŵ café – 𝄞"}"""),
            ],
            [new Deadline("child:c-1", T0.AddDays(14))],
            [Audit("hv-1", "f-1", T0)]);

        var result = await journal.AppendAsync(write);

        Assert.True(result.Inserted);
        // Entries read back as written, byte for byte, non-ASCII text included (UTF-8 in, text in the store, UTF-8 out).
        Assert.Equal(write.WardEntries, await journal.ReadWardEntriesAsync("queens-park"));
        Assert.Equal([new Deadline("child:c-1", T0.AddDays(14))], await journal.ReadDueAsync(T0.AddDays(15), 10));
        Assert.Equal(write.AuditEntries, await journal.ReadAuditAsync(new AuditQuery { FamilyId = "f-1" }));
    }

    public static async Task FailedWriteLeavesNothingAndFailsOnlyItsCaller(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);

        // The ward entry has no ward, which the store refuses (NOT NULL); the event queued
        // with it must not be stored either, and neighbours in the same batch must be.
        var good = Enumerable.Range(0, 40).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"e-{i}")))).ToList();
        var bad = journal.AppendAsync(new JournalWrite(Event("e-bad"), [Refused("child:c-1")], [], []));
        good.AddRange(Enumerable.Range(40, 40).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"e-{i}")))));

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        var results = await Task.WhenAll(good);

        Assert.All(results, r => Assert.True(r.Inserted));
        Assert.Null(await journal.FindEventAsync("e-bad"));
        Assert.Empty(await journal.ReadWardEntriesAsync("queens-park"));
        Assert.Equal(80, await journal.CountEventsAsync());
    }

    public static async Task AUnitCommitsWholeOrNotAtAll(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);

        // Two units among single writes: the good one lands whole and in order; the bad one's last write has a
        // ward entry the store refuses, so none of its writes may land, and its neighbours must.
        var before = Enumerable.Range(0, 20).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"s-{i}")))).ToList();
        var good = journal.AppendAllAsync(
        [
            JournalWrite.ForEvent(Event("u-1", childId: "c-9")),
            JournalWrite.ForEvent(Event("u-2", childId: "c-9")),
            new JournalWrite(Event("u-3", childId: "c-9"), [Ward("child:c-9", "queens-park", "child", 3, """{"v":3}""")], [new Deadline("child:c-9", T0)], []),
        ]);
        var bad = journal.AppendAllAsync(
        [
            JournalWrite.ForEvent(Event("b-1", childId: "c-8")),
            new JournalWrite(Event("b-2", childId: "c-8"), [Refused("child:c-8")], [], []),
        ]);
        var after = Enumerable.Range(20, 20).Select(i => journal.AppendAsync(JournalWrite.ForEvent(Event($"s-{i}")))).ToList();

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        var unit = await good;
        var singles = await Task.WhenAll(before.Concat(after));

        Assert.Equal(3, unit.Length);
        Assert.All(unit, r => Assert.True(r.Inserted));
        Assert.True(unit[0].Seq < unit[1].Seq && unit[1].Seq < unit[2].Seq);
        Assert.All(singles, r => Assert.True(r.Inserted));
        Assert.Equal(["u-1", "u-2", "u-3"], (await journal.ReadEventsAsync(EventQuery.ForChild("c-9"))).Select(e => e.EventId));
        Assert.Empty(await journal.ReadEventsAsync(EventQuery.ForChild("c-8")));
        Assert.Equal("child:c-9", Assert.Single(await journal.ReadWardEntriesAsync("queens-park")).EntryKey);
        Assert.Equal(43, await journal.CountEventsAsync());

        // A unit that repeats a stored id writes nothing: the stored id answers with its original seq, the rest are withheld.
        var again = await journal.AppendAllAsync([JournalWrite.ForEvent(Event("u-1", childId: "c-9")), JournalWrite.ForEvent(Event("u-4", childId: "c-9"))]);
        Assert.Equal([new AppendResult(false, unit[0].Seq), AppendResult.Withheld], again);
        Assert.Null(await journal.FindEventAsync("u-4"));
    }

    public static async Task ConcurrentAppendsShareCommitsAndSurviveReopening(StorageKind kind)
    {
        const int Count = 2_000;
        await using var store = await TestStore.MigratedAsync(kind);
        AppendResult[] results;
        long batches;
        await using (var journal = EventJournalFactory.Create(store.Settings))
        {
            results = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Task.Run(() => journal.AppendAsync(
                new JournalWrite(
                    Event($"e-{i}", childId: $"c-{i % 100}", recordedBy: "bulk", payload: $$"""{"i":{{i}}}"""),
                    [Ward($"child:c-{i % 100}", "queens-park", "child", i, $$"""{"i":{{i}}}""")],
                    [new Deadline($"child:c-{i % 100}", T0.AddDays(1))],
                    [])))));
            batches = ((BatchingEventJournal)journal).BatchesCommitted;
        }

        Assert.All(results, r => Assert.True(r.Inserted));
        Assert.Equal(Count, results.Select(r => r.Seq).Distinct().Count());

        // Far fewer commits than writes: the commit cost is shared.
        Assert.InRange(batches, 1, Count / 4);

        await using var reopened = EventJournalFactory.Create(store.Settings);
        Assert.Equal(Count, await reopened.CountEventsAsync());
        var all = await reopened.ReadEventsAsync(EventQuery.ForRecorder("bulk"));
        Assert.Equal(results.Select(r => r.Seq).Order(), all.Select(e => e.Seq));
        Assert.Equal("""{"i":1234}""", System.Text.Encoding.UTF8.GetString((await reopened.FindEventAsync("e-1234"))!.Payload.Bytes));
        var ward = await reopened.ReadWardEntriesAsync("queens-park");
        Assert.Equal(100, ward.Count);

        // Whatever the commit order, each entry holds the highest version written for it.
        Assert.All(ward, e => Assert.Equal(1900 + int.Parse(e.EntryKey["child:c-".Length..], System.Globalization.CultureInfo.InvariantCulture), e.Version));
    }

    public static async Task WardEntryKeepsTheHigherVersion(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        static JournalWrite Entry(long version, string ward = "queens-park", string? json = null) =>
            new(null, [Ward("child:c-1", ward, "child", version, json ?? $$"""{"v":{{version}}}""")], [], []);

        await journal.AppendAsync(Entry(2));
        await journal.AppendAsync(Entry(1));
        var afterLower = Assert.Single(await journal.ReadWardEntriesAsync("queens-park"));
        await journal.AppendAsync(Entry(2, ward: "harrow-road"));
        var afterEqual = Assert.Single(await journal.ReadWardEntriesAsync("queens-park"));

        // A deadline tick changes what an entity contributes without a new event, so at the same version.
        await journal.AppendAsync(Entry(2, json: """{"v":2,"overdue":1}"""));
        var afterTick = Assert.Single(await journal.ReadWardEntriesAsync("queens-park"));

        // Two words on one key in one commit: the later one, as if they had committed one by one.
        await journal.AppendAllAsync([Entry(2, json: """{"v":2,"overdue":2}"""), Entry(2, json: """{"v":2,"overdue":3}""")]);
        var afterTwo = Assert.Single(await journal.ReadWardEntriesAsync("queens-park"));
        await journal.AppendAsync(Entry(3, ward: "harrow-road"));

        Assert.Equal(Ward("child:c-1", "queens-park", "child", 2, """{"v":2}"""), afterLower);
        Assert.Equal(2, afterEqual.Version);
        Assert.Equal(Ward("child:c-1", "queens-park", "child", 2, """{"v":2,"overdue":1}"""), afterTick);
        Assert.Equal(Ward("child:c-1", "queens-park", "child", 2, """{"v":2,"overdue":3}"""), afterTwo);
        Assert.Empty(await journal.ReadWardEntriesAsync("queens-park"));
        Assert.Equal(3, Assert.Single(await journal.ReadWardEntriesAsync("harrow-road")).Version);
    }

    public static async Task AWardEntryIsDeletedOnlyWhileItIsThatWardsAtThatVersion(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        await journal.AppendAsync(new JournalWrite(null, [Ward("family:f-1", "queens-park", "family", 3, """{"v":3}"""), Ward("family:f-2", "queens-park", "family", 1, """{"v":1}""")], [], []));

        // Another version (the family wrote since) or another ward (it moved) is not the entry asked about.
        var otherVersion = await journal.DeleteWardEntryAsync("queens-park", "family:f-1", 2);
        var otherWard = await journal.DeleteWardEntryAsync("harrow-road", "family:f-1", 3);
        var afterMisses = await journal.ReadWardEntriesAsync("queens-park");
        var deleted = await journal.DeleteWardEntryAsync("queens-park", "family:f-1", 3);
        var again = await journal.DeleteWardEntryAsync("queens-park", "family:f-1", 3);

        Assert.Equal((false, false, true, false), (otherVersion, otherWard, deleted, again));
        Assert.Equal(["family:f-1", "family:f-2"], afterMisses.Select(e => e.EntryKey));
        Assert.Equal("family:f-2", Assert.Single(await journal.ReadWardEntriesAsync("queens-park")).EntryKey);

        // The entity writing again later stores its entry as a first one.
        await journal.AppendAsync(new JournalWrite(null, [Ward("family:f-1", "queens-park", "family", 1, """{"v":1}""")], [], []));
        Assert.Equal(1, (await journal.ReadWardEntriesAsync("queens-park")).Single(e => e.EntryKey == "family:f-1").Version);
    }

    public static async Task DueDeadlinesOldestFirst(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var now = T0;
        await journal.AppendAsync(new JournalWrite(null, [], [
            new Deadline("child:c-late", now.AddHours(1)),
            new Deadline("child:c-1", now.AddHours(-1)),
            new Deadline("child:c-2", now.AddHours(-2)),
            new Deadline("child:c-exact", now),

            // Later in the same write: the last word wins.
            new Deadline("child:c-late", now.AddHours(2)),
        ], []));

        Assert.Equal(["child:c-2", "child:c-1", "child:c-exact"], (await journal.ReadDueAsync(now, 10)).Select(d => d.EntityKey));
        Assert.Equal(["child:c-2"], (await journal.ReadDueAsync(now, 1)).Select(d => d.EntityKey));
        Assert.Equal(now.AddHours(-2), (await journal.ReadDueAsync(now, 1))[0].DueAt);

        await journal.DeleteDeadlineAsync("child:c-2");
        await journal.AppendAsync(new JournalWrite(null, [], [new Deadline("child:c-1", null)], []));

        Assert.Equal(["child:c-exact"], (await journal.ReadDueAsync(now, 10)).Select(d => d.EntityKey));
        Assert.Equal(["child:c-exact", "child:c-late"], (await journal.ReadDueAsync(now.AddHours(2), 10)).Select(d => d.EntityKey));
    }

    public static async Task AuditFiltersAndPages(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        AuditEntry[] entries =
        [
            Audit("u-1", "f-1", T0),
            Audit("u-2", "f-1", T0.AddMinutes(1)),
            Audit("u-1", "f-2", T0.AddMinutes(2)) with { BreakGlass = true, Reason = "urgent safeguarding" },
            Audit("u-1", null, T0.AddMinutes(3)),
        ];
        await journal.AppendAsync(JournalWrite.ForAudit(entries));

        Assert.Equal([entries[3], entries[2], entries[1], entries[0]], await journal.ReadAuditAsync(new AuditQuery()));
        Assert.Equal([entries[3], entries[2], entries[0]], await journal.ReadAuditAsync(new AuditQuery { UserId = "u-1" }));
        Assert.Equal([entries[1], entries[0]], await journal.ReadAuditAsync(new AuditQuery { FamilyId = "f-1" }));
        Assert.Equal([entries[0]], await journal.ReadAuditAsync(new AuditQuery { UserId = "u-1", FamilyId = "f-1" }));
        Assert.Equal([entries[2], entries[1]],
            await journal.ReadAuditAsync(new AuditQuery { From = T0.AddMinutes(1), To = T0.AddMinutes(3) }));
        Assert.Equal([entries[2], entries[1]], await journal.ReadAuditAsync(new AuditQuery { Limit = 2, Offset = 1 }));
        Assert.Empty(await journal.ReadAuditAsync(new AuditQuery { Offset = 4 }));
    }

    /// <summary>
    /// A family's break-glass openings after an instant (exclusive), oldest first, and nothing else: not the reads inside a
    /// window, not another family's openings, not ordinary reads. The read goes through the index of openings alone, so a
    /// family read thousands of times is not scanned to find the one reason given for it.
    /// </summary>
    public static async Task BreakGlassOpeningsAreReadAloneThroughTheirIndex(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        static AuditEntry Opening(string user, string family, DateTimeOffset at) =>
            new(at, user, "early-intervention", "risk-status-read", family, null, "risk-status", true, "safeguarding call out of hours", AuditEntry.BreakGlassOpened);
        AuditEntry[] openings = [Opening("u-1", "f-1", T0), Opening("u-2", "f-1", T0.AddMinutes(1)), Opening("u-1", "f-1", T0.AddMinutes(5))];
        await journal.AppendAsync(JournalWrite.ForAudit(
        [
            openings[0],
            openings[1],
            Opening("u-1", "f-1", T0.AddMinutes(2)) with { Reason = "safeguarding call out of hours (within the window)", Detail = null },
            Opening("u-1", "f-2", T0.AddMinutes(3)),
            Opening("u-3", "f-1", T0.AddMinutes(4)) with { BreakGlass = false, Reason = null, Detail = null },
            openings[2],
        ]));
        await journal.AppendAsync(JournalWrite.ForAudit(
            Enumerable.Range(0, 2_000).Select(i => Audit("u-team", "f-1", T0.AddSeconds(i))).ToArray()));

        Assert.Equal([openings[1], openings[2]], await journal.ReadBreakGlassOpeningsAsync("f-1", T0));
        Assert.Equal(openings, await journal.ReadBreakGlassOpeningsAsync("f-1", T0.AddTicks(-10)));
        Assert.Empty(await journal.ReadBreakGlassOpeningsAsync("f-1", T0.AddMinutes(5)));
        Assert.Empty(await journal.ReadBreakGlassOpeningsAsync("f-unknown", T0.AddDays(-1)));

        // The plan of the journal's own statement, once the planner knows the table's shape.
        string plan;
        if (kind == StorageKind.Postgres)
        {
            await store.ScalarAsync("ANALYZE qp_audit");
            await using var connection = new Npgsql.NpgsqlConnection(store.Settings.ConnectionString);
            await connection.OpenAsync();
            await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN " + PostgresEventJournal.BreakGlassOpenings, connection);
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = "f-1" });
            explain.Parameters.Add(new Npgsql.NpgsqlParameter { Value = T0.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            var lines = new List<string>();
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }

            plan = string.Join("\n", lines);
        }
        else
        {
            await store.ScalarAsync("ANALYZE");
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(store.Settings.ConnectionString);
            await connection.OpenAsync();
            await using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteEventJournal.BreakGlassOpenings;
            explain.Parameters.AddWithValue("@family", "f-1");
            explain.Parameters.AddWithValue("@after", JournalTime.ToText(T0));
            var lines = new List<string>();
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(3));
            }

            plan = string.Join("\n", lines);
        }

        Assert.Contains("qp_audit_break_glass_openings", plan, StringComparison.Ordinal);
    }

    public static async Task MetricsShowEachCommitAndEachCallersWait(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        var database = kind == StorageKind.Postgres
            ? new Npgsql.NpgsqlConnectionStringBuilder(store.Settings.ConnectionString).Database
            : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(store.Settings.ConnectionString).DataSource;
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string Instrument, double Value, string? Outcome)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == JournalMetrics.MeterName && instrument.Name.StartsWith("qp.journal.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };

        // Other tests' journals record on the same instruments at the same time: keep only this store's.
        void Keep(System.Diagnostics.Metrics.Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? outcome = null;
            var ours = false;
            foreach (var tag in tags)
            {
                ours |= tag.Key == "db.namespace" && Equals(tag.Value, database);
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
            }

            if (ours)
            {
                seen.Enqueue((instrument.Name, value, outcome));
            }
        }

        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Keep(instrument, value, tags));
        listener.Start();

        long batches;
        await using (var journal = EventJournalFactory.Create(store.Settings))
        {
            var singles = Enumerable.Range(0, 200).Select(i => Task.Run(() => journal.AppendAsync(JournalWrite.ForEvent(Event($"e-{i}"))))).ToList();
            var unit = journal.AppendAllAsync([JournalWrite.ForEvent(Event("u-1")), JournalWrite.ForEvent(Event("u-2")), JournalWrite.ForEvent(Event("u-3"))]);
            var bad = journal.AppendAsync(new JournalWrite(Event("e-bad"), [Refused("child:c-1")], [], []));

            await Assert.ThrowsAnyAsync<Exception>(() => bad);
            await Task.WhenAll(singles);
            await unit;
            batches = ((BatchingEventJournal)journal).BatchesCommitted;
        }

        var measured = seen.ToList();
        var commits = measured.Where(m => m.Instrument == JournalMetrics.CommitDuration).ToList();
        var writes = measured.Where(m => m.Instrument == JournalMetrics.CommitWrites).ToList();
        var appends = measured.Where(m => m.Instrument == JournalMetrics.AppendDuration).ToList();

        // One wait per caller's unit, failed ones included: 200 single writes, the unit of three and the bad write.
        Assert.Equal(202, appends.Count);
        Assert.All(appends, a => Assert.True(a.Value > 0, "a write cannot be durable in no time"));

        // One duration per transaction; the committed ones carry every good write exactly once, the bad one none.
        Assert.Equal(batches, commits.Count(c => c.Outcome == "committed"));
        Assert.Contains(commits, c => c.Outcome == "rolled-back");
        Assert.Equal(batches, writes.Count);
        Assert.Equal(203, writes.Sum(w => w.Value));
        Assert.All(commits, c => Assert.True(c.Value > 0 && c.Value <= appends.Max(a => a.Value), $"a commit of {c.Value} s outlasts every caller's wait"));
    }

    public static async Task ReadsAllPagesOfAReplay(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        var seqs = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            seqs.Add((await journal.AppendAsync(JournalWrite.ForEvent(Event($"p-{i}", childId: "c-paged")))).Seq);
        }

        await journal.AppendAsync(JournalWrite.ForEvent(Event("other", childId: "c-other")));

        // Pages of three: 3 + 3 + 1, then nothing more; a page that ends exactly at the last row asks once more.
        var all = await journal.ReadAllEventsAsync(EventQuery.ForChild("c-paged") with { Limit = 3 });
        var afterFirst = await journal.ReadAllEventsAsync(EventQuery.ForChild("c-paged", seqs[0]) with { Limit = 3 });
        var onePage = await journal.ReadEventsAsync(EventQuery.ForChild("c-paged") with { Limit = 3 });

        Assert.Equal(seqs, all.Select(e => e.Seq));
        Assert.Equal(seqs.Skip(1), afterFirst.Select(e => e.Seq));
        Assert.Equal(3, onePage.Count);
    }

    public static async Task RefusesWritesOnceDisposed(StorageKind kind)
    {
        await using var store = await TestStore.MigratedAsync(kind);
        var journal = EventJournalFactory.Create(store.Settings);
        var queued = journal.AppendAsync(JournalWrite.ForEvent(Event("e-1")));

        await journal.DisposeAsync();

        // What was queued before disposal is committed, not dropped.
        Assert.True((await queued).Inserted);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => journal.AppendAsync(JournalWrite.ForEvent(Event("e-2"))));
    }

    /// <summary>
    /// A ward entry every store refuses: its ward is missing (NOT NULL). Not a payload that is not
    /// JSON: SQLite's schema 0003 no longer parses payloads, which only our own serializers write.
    /// </summary>
    public static WardEntry Refused(string entryKey) => Ward(entryKey, null!, "child", 1, """{"v":1}""");

    public static AuditEntry Audit(string user, string? family, DateTimeOffset at) =>
        new(at, user, "health-visitor", "read-child", family, "c-1", "review", false, null, "detail");
}

public sealed class SqliteJournalTests
{
    private const StorageKind Kind = StorageKind.Sqlite;

    [Fact] public Task Appends_and_reads_back() => JournalScenarios.AppendsAndReadsBack(Kind);
    [Fact] public Task A_unit_that_meets_a_stored_id_writes_nothing_but_its_audit_and_leaves_its_neighbours_alone() => JournalScenarios.AUnitThatMeetsAStoredIdWritesNothingButItsAuditAndLeavesItsNeighboursAlone(Kind);
    [Fact] public Task An_id_a_refused_unit_had_inserted_is_free_for_the_next_caller() => JournalScenarios.AnIdARefusedUnitHadInsertedIsFreeForTheNextCaller(Kind);
    [Fact] public Task Reads_by_selector_in_seq_order() => JournalScenarios.ReadsBySelectorInSeqOrder(Kind);
    [Fact] public Task Duplicate_keeps_the_original_and_applies_nothing() => JournalScenarios.DuplicateKeepsTheOriginalAndAppliesNothing(Kind);
    [Fact] public Task Departures_commit_with_the_move_and_keep_the_newest_version() => JournalScenarios.DeparturesCommitWithTheMoveAndKeepTheNewestVersion(Kind);
    [Fact] public Task A_departure_goes_when_the_entity_is_back_in_that_ward_at_a_newer_version() => JournalScenarios.ADepartureGoesWhenTheEntityIsBackInThatWardAtANewerVersion(Kind);
    [Fact] public Task A_departure_with_no_entry_elsewhere_takes_the_entitys_entry_in_that_ward_in_the_same_commit() => JournalScenarios.ADepartureWithNoEntryElsewhereTakesTheEntitysEntryInThatWardInTheSameCommit(Kind);
    [Fact] public Task A_departure_of_an_entity_that_stays_away_goes_once_it_is_older_than_its_keep() => JournalScenarios.ADepartureOfAnEntityThatStaysAwayGoesOnceItIsOlderThanItsKeep(Kind);
    [Fact] public Task Duplicates_in_one_batch_first_wins() => JournalScenarios.DuplicatesInOneBatchFirstWins(Kind);
    [Fact] public Task Stored_event_among_new_ones_spoils_nothing() => JournalScenarios.StoredEventAmongNewOnesSpoilsNothing(Kind);
    [Fact] public Task Writes_all_parts_together() => JournalScenarios.WritesAllPartsTogether(Kind);
    [Fact] public Task Failed_write_leaves_nothing_and_fails_only_its_caller() => JournalScenarios.FailedWriteLeavesNothingAndFailsOnlyItsCaller(Kind);
    [Fact] public Task A_unit_commits_whole_or_not_at_all() => JournalScenarios.AUnitCommitsWholeOrNotAtAll(Kind);
    [Fact] public Task Concurrent_appends_share_commits_and_survive_reopening() => JournalScenarios.ConcurrentAppendsShareCommitsAndSurviveReopening(Kind);
    [Fact] public Task Ward_entry_keeps_the_higher_version() => JournalScenarios.WardEntryKeepsTheHigherVersion(Kind);
    [Fact] public Task A_ward_entry_is_deleted_only_while_it_is_that_wards_at_that_version() => JournalScenarios.AWardEntryIsDeletedOnlyWhileItIsThatWardsAtThatVersion(Kind);
    [Fact] public Task Due_deadlines_oldest_first() => JournalScenarios.DueDeadlinesOldestFirst(Kind);
    [Fact] public Task Audit_filters_and_pages() => JournalScenarios.AuditFiltersAndPages(Kind);
    [Fact] public Task Break_glass_openings_are_read_alone_through_their_index() => JournalScenarios.BreakGlassOpeningsAreReadAloneThroughTheirIndex(Kind);
    [Fact] public Task Refuses_writes_once_disposed() => JournalScenarios.RefusesWritesOnceDisposed(Kind);
    [Fact] public Task Reads_all_pages_of_a_replay() => JournalScenarios.ReadsAllPagesOfAReplay(Kind);
    [Fact] public Task Metrics_show_each_commit_and_each_callers_wait() => JournalScenarios.MetricsShowEachCommitAndEachCallersWait(Kind);

    [Fact]
    public async Task Payloads_bound_as_utf8_are_stored_as_text_not_blobs()
    {
        await using var store = await TestStore.MigratedAsync(Kind);
        await using (var journal = EventJournalFactory.Create(store.Settings))
        {
            await journal.AppendAsync(new JournalWrite(
                JournalScenarios.Event("e-typed", payload: """{"note":"ŵ café"}"""),
                [JournalScenarios.Ward("child:c-typed", "queens-park", "child", 1, """{"name":"ŵ"}""")], [], []));
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(store.Settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT typeof(payload) || ' ' || payload FROM qp_events WHERE event_id = 'e-typed'),
                   (SELECT typeof(payload) || ' ' || payload FROM qp_ward_entries WHERE entry_key = 'child:c-typed')
            """;
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("""text {"note":"ŵ café"}""", reader.GetString(0));
        Assert.Equal("""text {"name":"ŵ"}""", reader.GetString(1));
    }
}

public sealed class PostgresJournalTests
{
    private const StorageKind Kind = StorageKind.Postgres;

    [PostgresFact] public Task Appends_and_reads_back() => JournalScenarios.AppendsAndReadsBack(Kind);
    [PostgresFact] public Task A_unit_that_meets_a_stored_id_writes_nothing_but_its_audit_and_leaves_its_neighbours_alone() => JournalScenarios.AUnitThatMeetsAStoredIdWritesNothingButItsAuditAndLeavesItsNeighboursAlone(Kind);
    [PostgresFact] public Task An_id_a_refused_unit_had_inserted_is_free_for_the_next_caller() => JournalScenarios.AnIdARefusedUnitHadInsertedIsFreeForTheNextCaller(Kind);
    [PostgresFact] public Task Reads_by_selector_in_seq_order() => JournalScenarios.ReadsBySelectorInSeqOrder(Kind);
    [PostgresFact] public Task Duplicate_keeps_the_original_and_applies_nothing() => JournalScenarios.DuplicateKeepsTheOriginalAndAppliesNothing(Kind);
    [PostgresFact] public Task Departures_commit_with_the_move_and_keep_the_newest_version() => JournalScenarios.DeparturesCommitWithTheMoveAndKeepTheNewestVersion(Kind);
    [PostgresFact] public Task A_departure_goes_when_the_entity_is_back_in_that_ward_at_a_newer_version() => JournalScenarios.ADepartureGoesWhenTheEntityIsBackInThatWardAtANewerVersion(Kind);
    [PostgresFact] public Task A_departure_with_no_entry_elsewhere_takes_the_entitys_entry_in_that_ward_in_the_same_commit() => JournalScenarios.ADepartureWithNoEntryElsewhereTakesTheEntitysEntryInThatWardInTheSameCommit(Kind);
    [PostgresFact] public Task A_departure_of_an_entity_that_stays_away_goes_once_it_is_older_than_its_keep() => JournalScenarios.ADepartureOfAnEntityThatStaysAwayGoesOnceItIsOlderThanItsKeep(Kind);
    [PostgresFact] public Task Duplicates_in_one_batch_first_wins() => JournalScenarios.DuplicatesInOneBatchFirstWins(Kind);
    [PostgresFact] public Task Stored_event_among_new_ones_spoils_nothing() => JournalScenarios.StoredEventAmongNewOnesSpoilsNothing(Kind);
    [PostgresFact] public Task Writes_all_parts_together() => JournalScenarios.WritesAllPartsTogether(Kind);
    [PostgresFact] public Task Failed_write_leaves_nothing_and_fails_only_its_caller() => JournalScenarios.FailedWriteLeavesNothingAndFailsOnlyItsCaller(Kind);
    [PostgresFact] public Task A_unit_commits_whole_or_not_at_all() => JournalScenarios.AUnitCommitsWholeOrNotAtAll(Kind);
    [PostgresFact] public Task Concurrent_appends_share_commits_and_survive_reopening() => JournalScenarios.ConcurrentAppendsShareCommitsAndSurviveReopening(Kind);
    [PostgresFact] public Task Ward_entry_keeps_the_higher_version() => JournalScenarios.WardEntryKeepsTheHigherVersion(Kind);
    [PostgresFact] public Task A_ward_entry_is_deleted_only_while_it_is_that_wards_at_that_version() => JournalScenarios.AWardEntryIsDeletedOnlyWhileItIsThatWardsAtThatVersion(Kind);
    [PostgresFact] public Task Due_deadlines_oldest_first() => JournalScenarios.DueDeadlinesOldestFirst(Kind);
    [PostgresFact] public Task Audit_filters_and_pages() => JournalScenarios.AuditFiltersAndPages(Kind);
    [PostgresFact] public Task Break_glass_openings_are_read_alone_through_their_index() => JournalScenarios.BreakGlassOpeningsAreReadAloneThroughTheirIndex(Kind);
    [PostgresFact] public Task Refuses_writes_once_disposed() => JournalScenarios.RefusesWritesOnceDisposed(Kind);
    [PostgresFact] public Task Reads_all_pages_of_a_replay() => JournalScenarios.ReadsAllPagesOfAReplay(Kind);
    [PostgresFact] public Task Metrics_show_each_commit_and_each_callers_wait() => JournalScenarios.MetricsShowEachCommitAndEachCallersWait(Kind);

    [PostgresFact]
    public async Task A_read_the_store_cannot_answer_for_the_moment_fails_as_retry_and_passes_when_retried()
    {
        // A grain activating reads its events; a lock held past the session's lock_timeout makes that read give up.
        await using var store = await TestStore.MigratedAsync(Kind);
        var impatient = new Npgsql.NpgsqlConnectionStringBuilder(store.Settings.ConnectionString) { Options = "-c lock_timeout=300" }.ToString();
        await using var journal = EventJournalFactory.Create(StorageSettings.Postgres(impatient));
        Assert.True((await journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-read")))).Inserted);

        await using (var holder = new Npgsql.NpgsqlConnection(store.Settings.ConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var lockEvents = new Npgsql.NpgsqlCommand("LOCK TABLE qp_events IN ACCESS EXCLUSIVE MODE", holder, transaction))
            {
                await lockEvents.ExecuteNonQueryAsync();
            }

            var failure = await Assert.ThrowsAsync<JournalUnavailableException>(() => journal.ReadEventsAsync(new EventQuery { ChildId = "c-1" }));
            Assert.Equal(Npgsql.PostgresErrorCodes.LockNotAvailable, Assert.IsType<Npgsql.PostgresException>(failure.InnerException).SqlState);
            await transaction.RollbackAsync();
        }

        Assert.Equal("e-read", Assert.Single(await journal.ReadEventsAsync(new EventQuery { ChildId = "c-1" })).EventId);
    }

    [PostgresFact]
    public async Task A_read_or_write_the_store_refuses_fails_as_a_store_failure_with_the_stores_exception_inside()
    {
        // A store whose schema this build does not expect: the audit log lacks a column the reads name, and the events
        // table refuses every row. Neither cures itself on a retry, and neither driver exception may leave the silo bare.
        await using var store = await TestStore.MigratedAsync(Kind);
        await using var journal = EventJournalFactory.Create(store.Settings);
        await store.ScalarAsync("ALTER TABLE qp_audit RENAME COLUMN reason TO reason_moved");
        await store.ScalarAsync("ALTER TABLE qp_events ADD CONSTRAINT qp_refuse_every_row CHECK (false) NOT VALID");

        var read = await Assert.ThrowsAsync<StoreFailedException>(() => journal.ReadAuditAsync(new AuditQuery()));
        Assert.Equal(Npgsql.PostgresErrorCodes.UndefinedColumn, Assert.IsType<Npgsql.PostgresException>(read.InnerException).SqlState);

        var write = await Assert.ThrowsAsync<StoreFailedException>(() => journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-refused"))));
        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, Assert.IsType<Npgsql.PostgresException>(write.InnerException).SqlState);
    }

    [PostgresFact]
    public async Task A_write_the_store_cannot_take_for_the_moment_fails_as_retry_and_passes_when_retried()
    {
        // The journal's sessions give up on a lock after 300 ms; a test transaction holds one that blocks inserts.
        await using var store = await TestStore.MigratedAsync(Kind);
        var impatient = new Npgsql.NpgsqlConnectionStringBuilder(store.Settings.ConnectionString) { Options = "-c lock_timeout=300" }.ToString();
        await using var journal = EventJournalFactory.Create(StorageSettings.Postgres(impatient));
        var write = JournalWrite.ForEvent(JournalScenarios.Event("e-locked"));

        await using (var holder = new Npgsql.NpgsqlConnection(store.Settings.ConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var lockEvents = new Npgsql.NpgsqlCommand("LOCK TABLE qp_events IN SHARE MODE", holder, transaction))
            {
                await lockEvents.ExecuteNonQueryAsync();
            }

            var failure = await Assert.ThrowsAsync<JournalUnavailableException>(() => journal.AppendAsync(write));
            Assert.Equal(Npgsql.PostgresErrorCodes.LockNotAvailable, Assert.IsType<Npgsql.PostgresException>(failure.InnerException).SqlState);
            await transaction.RollbackAsync();
        }

        Assert.Null(await journal.FindEventAsync("e-locked"));
        Assert.True((await journal.AppendAsync(write)).Inserted);
        Assert.NotNull(await journal.FindEventAsync("e-locked"));
    }
}

public sealed class JournalQueryTests
{
    public static TheoryData<EventQuery> BadQueries => new()
    {
        new EventQuery(),
        new EventQuery { ChildId = "c-1", FamilyId = "f-1" },
        new EventQuery { ChampionId = "ch-1", RecordedBy = "hv-1" },
        EventQuery.ForChild("c-1") with { Limit = 0 },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Event_query_needs_exactly_one_selector_and_a_positive_limit(EventQuery query)
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Sqlite);
        await using var journal = EventJournalFactory.Create(store.Settings);

        await Assert.ThrowsAsync<ArgumentException>(() => journal.ReadEventsAsync(query));
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(1, 1, 0)]
    public void Options_must_be_positive(int capacity, int batch, int flushers)
    {
        var options = new JournalOptions { QueueCapacity = capacity, MaxBatchSize = batch, PostgresFlushers = flushers };

        Assert.Throws<ArgumentException>(() => EventJournalFactory.Create(new StorageSettings(StorageKind.Sqlite, "Data Source=:memory:"), options));
    }
}
