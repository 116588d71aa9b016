using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using QpActors.Grains;
using QpActors.Persistence;

namespace QpActors.Integration.Tests;

/// <summary>What an armed fault does to the operation it catches.</summary>
public enum FaultKind
{
    /// <summary>The operation does not happen and throws.</summary>
    Fail,

    /// <summary>The operation happens, then throws: the store committed but the caller never heard.</summary>
    FailAfterCommit,

    /// <summary>The operation waits for <see cref="Fault.Release"/>, then happens.</summary>
    Hold,

    /// <summary>The operation happens; the fault only reports that it was reached.</summary>
    Watch,
}

/// <summary>The exception an armed fault throws.</summary>
public sealed class InjectedFaultException(string message) : IOException(message);

/// <summary>One armed fault: it catches every matching operation until disposed.</summary>
public sealed class Fault : IDisposable
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<Fault> _disarm;

    internal Fault(FaultKind kind, Action<Fault> disarm)
    {
        Kind = kind;
        _disarm = disarm;
    }

    public FaultKind Kind { get; }

    /// <summary>Completes when the fault first catches an operation (for a <see cref="FaultKind.Watch"/>, once it succeeded).</summary>
    public Task Reached => _reached.Task;

    /// <summary>Waits until the fault catches an operation, failing the test if none comes within 30 s.</summary>
    public Task WhenReachedAsync() => Reached.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Lets held operations go on.</summary>
    public void Release() => _released.TrySetResult();

    public void Dispose()
    {
        _disarm(this);
        Release();
    }

    internal async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        switch (Kind)
        {
            case FaultKind.Fail:
                _reached.TrySetResult();
                throw new InjectedFaultException("injected fault: the store refused the operation");
            case FaultKind.FailAfterCommit:
                await operation();
                _reached.TrySetResult();
                throw new InjectedFaultException("injected fault: the reply was lost after the commit");
            case FaultKind.Hold:
                _reached.TrySetResult();
                await _released.Task;
                return await operation();
            default:
                var result = await operation();
                _reached.TrySetResult();
                return result;
        }
    }
}

/// <summary>Faults armed for one kind of operation, each matching the operations it catches by their subject.</summary>
public sealed class FaultSwitch<T>
{
    private readonly Lock _gate = new();
    private (Func<T, bool> Matches, Fault Fault)[] _armed = [];

    public Fault Arm(Func<T, bool> matches, FaultKind kind = FaultKind.Fail)
    {
        var fault = new Fault(kind, Disarm);
        lock (_gate)
        {
            _armed = [.. _armed, (matches, fault)];
        }

        return fault;
    }

    internal Fault? Find(T subject)
    {
        foreach (var (matches, fault) in Volatile.Read(ref _armed))
        {
            if (matches(subject))
            {
                return fault;
            }
        }

        return null;
    }

    private void Disarm(Fault fault)
    {
        lock (_gate)
        {
            _armed = Array.FindAll(_armed, a => a.Fault != fault);
        }
    }
}

/// <summary>
/// Failures a test switches on for one entity: the silo's journal and grain storage pass everything else
/// through to the real store, so tests in the collection that arm nothing are unaffected.
/// </summary>
public sealed class Faults
{
    /// <summary>Journal appends, by what they write.</summary>
    public FaultSwitch<JournalWrite> Appends { get; } = new();

    /// <summary>Journal reads of events, by their query.</summary>
    public FaultSwitch<EventQuery> EventReads { get; } = new();

    /// <summary>Grain state writes, by grain.</summary>
    public FaultSwitch<GrainId> StateWrites { get; } = new();

    /// <summary>The silo's journal, as its grains use it.</summary>
    public IEventJournal Journal { get; private set; } = null!;

    private long _eventLookups;

    /// <summary>How many times a grain has looked an event up by its id (<see cref="IEventJournal.FindEventAsync"/>).</summary>
    public long EventLookups => Interlocked.Read(ref _eventLookups);

    /// <summary>Puts the journal and the grain storage the silo registered behind these faults.</summary>
    public void Wrap(IServiceCollection services, StorageSettings storage)
    {
        services.AddSingleton<IEventJournal>(_ => Journal = new FaultyJournal(EventJournalFactory.Create(storage), this));

        // Registered after the provider's own, so grains get this one; it keeps the provider's lifecycle (its start-up).
        var provider = services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, QpStorage.Name));
        services.AddKeyedSingleton<IGrainStorage>(QpStorage.Name, (sp, key) =>
            new FaultyGrainStorage((IGrainStorage)provider.KeyedImplementationFactory!(sp, key), StateWrites));
    }

    private sealed class FaultyJournal(IEventJournal inner, Faults faults) : IEventJournal
    {
        public Task<AppendResult> AppendAsync(JournalWrite write, CancellationToken ct = default) =>
            faults.Appends.Find(write) is { } fault ? fault.RunAsync(() => inner.AppendAsync(write, ct)) : inner.AppendAsync(write, ct);

        public Task<AppendResult[]> AppendAllAsync(IReadOnlyList<JournalWrite> writes, CancellationToken ct = default) =>
            writes.Select(faults.Appends.Find).FirstOrDefault(f => f is not null) is { } fault
                ? fault.RunAsync(() => inner.AppendAllAsync(writes, ct))
                : inner.AppendAllAsync(writes, ct);

        public Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(EventQuery query, CancellationToken ct = default) =>
            faults.EventReads.Find(query) is { } fault ? fault.RunAsync(() => inner.ReadEventsAsync(query, ct)) : inner.ReadEventsAsync(query, ct);

        public Task<JournalEvent?> FindEventAsync(string eventId, CancellationToken ct = default)
        {
            Interlocked.Increment(ref faults._eventLookups);
            return inner.FindEventAsync(eventId, ct);
        }

        public Task<IReadOnlyList<WardEntry>> ReadWardEntriesAsync(string wardCode, CancellationToken ct = default) => inner.ReadWardEntriesAsync(wardCode, ct);

        public Task<WardEntry?> ReadWardEntryAsync(string entryKey, CancellationToken ct = default) => inner.ReadWardEntryAsync(entryKey, ct);

        public Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesAsync(string wardCode, CancellationToken ct = default) => inner.ReadWardDeparturesAsync(wardCode, ct);

        public Task<int> PruneWardDeparturesAsync(TimeSpan keptFor, CancellationToken ct = default) => inner.PruneWardDeparturesAsync(keptFor, ct);

        public Task<bool> DeleteWardEntryAsync(string wardCode, string entryKey, long version, CancellationToken ct = default) => inner.DeleteWardEntryAsync(wardCode, entryKey, version, ct);

        public Task<IReadOnlyList<Deadline>> ReadDueAsync(DateTimeOffset now, int max, CancellationToken ct = default) => inner.ReadDueAsync(now, max, ct);

        public Task DeleteDeadlineAsync(string entityKey, CancellationToken ct = default) => inner.DeleteDeadlineAsync(entityKey, ct);

        public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken ct = default) => inner.ReadAuditAsync(query, ct);

        public Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsAsync(string familyId, DateTimeOffset after, CancellationToken ct = default) =>
            inner.ReadBreakGlassOpeningsAsync(familyId, after, ct);

        public Task<long> CountEventsAsync(CancellationToken ct = default) => inner.CountEventsAsync(ct);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class FaultyGrainStorage(IGrainStorage inner, FaultSwitch<GrainId> writes) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (writes.Find(grainId) is not { } fault)
            {
                return inner.WriteStateAsync(stateName, grainId, grainState);
            }

            return fault.RunAsync(async () =>
            {
                var (etag, exists) = (grainState.ETag, grainState.RecordExists);
                await inner.WriteStateAsync(stateName, grainId, grainState);
                if (fault.Kind == FaultKind.FailAfterCommit)
                {
                    // The reply is lost, so the activation never learns the ETag its write made.
                    (grainState.ETag, grainState.RecordExists) = (etag, exists);
                }

                return true;
            });
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }
}
