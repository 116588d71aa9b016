namespace QpActors.Persistence.Tests;

/// <summary>
/// What callers hear when a commit they share fails, through the batching journal with a writer whose failure each
/// test chooses: either the store said it rolled back, or the connection broke after the batch was sent.
/// </summary>
public sealed class JournalFailureTests
{
    [Fact]
    public async Task A_shared_batch_that_may_have_committed_fails_every_caller_instead_of_calling_their_events_duplicates()
    {
        var writer = new ScriptedWriter(new IOException("connection reset after the batch was sent"), outcomeUnknown: true);
        await using var journal = new ScriptedJournal(writer);

        var (first, second, third) = await TwoCallersShareTheSecondCommitAsync(journal, writer);

        Assert.True((await first).Inserted);

        // Each caller hears "retry" in the journal's own terms, the store's failure inside.
        Assert.IsType<IOException>((await Assert.ThrowsAsync<JournalUnavailableException>(() => second)).InnerException);
        Assert.IsType<IOException>((await Assert.ThrowsAsync<JournalUnavailableException>(() => third)).InnerException);

        // The batch did commit: a caller's retry finds its event stored, which is what "duplicate" should mean.
        Assert.Equal(["e-0", "e-1", "e-2"], writer.Stored.Order(StringComparer.Ordinal));
        Assert.Equal(2, writer.Calls);
    }

    [Fact]
    public async Task A_shared_batch_the_store_rolled_back_is_retried_one_caller_at_a_time()
    {
        var writer = new ScriptedWriter(new InvalidOperationException("the store rolled the batch back"), outcomeUnknown: false);
        await using var journal = new ScriptedJournal(writer);

        var (first, second, third) = await TwoCallersShareTheSecondCommitAsync(journal, writer);

        Assert.True((await first).Inserted);
        Assert.True((await second).Inserted);
        Assert.True((await third).Inserted);
        Assert.Equal(4, writer.Calls);
    }

    [Fact]
    public async Task A_failure_no_retry_cures_reaches_its_caller_as_it_is()
    {
        // A single caller's write the store refused for a reason of its own (here a bug's exception): not "retry".
        var writer = new ScriptedWriter(new InvalidOperationException("a write the store will never take"), outcomeUnknown: false, failAlone: true);
        await using var journal = new ScriptedJournal(writer);

        await Assert.ThrowsAsync<InvalidOperationException>(() => journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-0"))));
    }

    [Fact]
    public async Task A_store_busy_for_the_moment_is_retry_for_a_single_caller_too()
    {
        var writer = new ScriptedWriter(new TimeoutException("the store did not answer in time"), outcomeUnknown: false, failAlone: true);
        await using var journal = new ScriptedJournal(writer);

        var failure = await Assert.ThrowsAsync<JournalUnavailableException>(() => journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-0"))));

        Assert.IsType<TimeoutException>(failure.InnerException);
        Assert.Empty(writer.Stored);
    }

    /// <summary>
    /// The first append holds the only flusher inside the writer while two more queue, so those two are taken as one
    /// batch, whose commit the writer then fails.
    /// </summary>
    private static async Task<(Task<AppendResult> First, Task<AppendResult> Second, Task<AppendResult> Third)> TwoCallersShareTheSecondCommitAsync(
        ScriptedJournal journal, ScriptedWriter writer)
    {
        var first = journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-0")));
        await writer.FirstCallStarted;
        var second = journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-1", childId: "c-1")));
        var third = journal.AppendAsync(JournalWrite.ForEvent(JournalScenarios.Event("e-2", childId: "c-2")));
        writer.ReleaseFirstCall();
        await Task.WhenAll(first, second.ContinueWith(_ => { }, TaskScheduler.Default), third.ContinueWith(_ => { }, TaskScheduler.Default));
        return (first, second, third);
    }

    /// <summary>
    /// Stores event ids in memory. Its first call waits to be released; the first batch of more than one write is
    /// stored when the outcome is to be unknown (the commit happened, the reply was lost) and then fails. With
    /// <c>failAlone</c> every call fails at once, storing nothing.
    /// </summary>
    private sealed class ScriptedWriter(Exception failure, bool outcomeUnknown, bool failAlone = false) : JournalBatchWriter
    {
        private readonly TaskCompletionSource _firstCallStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _releaseFirstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _failed;

        public HashSet<string> Stored { get; } = new(StringComparer.Ordinal);

        public int Calls { get; private set; }

        public Task FirstCallStarted => _firstCallStarted.Task;

        public void ReleaseFirstCall() => _releaseFirstCall.TrySetResult();

        public override async Task<AppendResult[]> WriteAsync(IReadOnlyList<JournalWrite> writes, IReadOnlyList<JournalUnit> units)
        {
            Calls++;
            if (failAlone)
            {
                throw failure;
            }

            if (Calls == 1)
            {
                _firstCallStarted.TrySetResult();
                await _releaseFirstCall.Task;
            }

            if (writes.Count > 1 && !_failed)
            {
                _failed = true;
                if (outcomeUnknown)
                {
                    Store(writes);
                }

                throw failure;
            }

            return Store(writes);
        }

        public override bool LeavesOutcomeUnknown(Exception failure) => outcomeUnknown;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private AppendResult[] Store(IReadOnlyList<JournalWrite> writes) =>
            writes.Select(w => new AppendResult(Stored.Add(w.Event!.EventId), Stored.Count)).ToArray();
    }

    /// <summary>The batching journal over one scripted writer; it only writes, so reads are not offered.</summary>
    private sealed class ScriptedJournal : BatchingEventJournal
    {
        public ScriptedJournal(ScriptedWriter writer)
            : base(JournalOptions.Default, "scripted", null) => StartFlushers(1, () => writer);

        protected override Task<IReadOnlyList<JournalEvent>> ReadEventsCoreAsync(EventQuery query, CancellationToken ct) => throw Unused();

        protected override Task<JournalEvent?> FindEventCoreAsync(string eventId, CancellationToken ct) => throw Unused();

        protected override Task<IReadOnlyList<WardEntry>> ReadWardEntriesCoreAsync(string wardCode, CancellationToken ct) => throw Unused();

        protected override Task<WardEntry?> ReadWardEntryCoreAsync(string entryKey, CancellationToken ct) => throw Unused();

        protected override Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesCoreAsync(string wardCode, CancellationToken ct) => throw Unused();

        protected override Task<IReadOnlyList<Deadline>> ReadDueCoreAsync(DateTimeOffset now, int max, CancellationToken ct) => throw Unused();

        protected override Task<int> PruneWardDeparturesCoreAsync(DateTimeOffset leftBefore, CancellationToken ct) => throw Unused();

        protected override Task<bool> DeleteWardEntryCoreAsync(string wardCode, string entryKey, long version, CancellationToken ct) => throw Unused();

        protected override Task<IReadOnlyList<AuditEntry>> ReadAuditCoreAsync(AuditQuery query, CancellationToken ct) => throw Unused();

        protected override Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsCoreAsync(string familyId, DateTimeOffset after, CancellationToken ct) => throw Unused();

        protected override Task<long> CountEventsCoreAsync(CancellationToken ct) => throw Unused();

        protected override ValueTask DisposeResourcesAsync() => ValueTask.CompletedTask;

        private static NotSupportedException Unused() => new("These tests only write.");
    }
}
