using Orleans.Placement;
using Orleans.Runtime;

namespace QpActors.Persistence.Tests;

/// <summary>A grain that exercises grain state, placement and reminders on our scripts.</summary>
public interface IProbeGrain : IGrainWithStringKey
{
    Task Remember(string note);

    Task<List<string>> Recall();

    /// <summary>Which activation answered: the silo plus the activation id.</summary>
    Task<string> WhereAmI();

    Task ArmReminder(string name);
}

[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public List<string> Notes { get; set; } = [];
}

// Activated on the silo that calls it first, so a test decides which grains live where.
[PreferLocalPlacement]
public sealed class ProbeGrain(
    [PersistentState("probe", OrleansHosts.StorageName)] IPersistentState<ProbeState> state)
    : Grain, IProbeGrain, IRemindable
{
    public async Task Remember(string note)
    {
        state.State.Notes.Add(note);
        await state.WriteStateAsync();
    }

    public Task<List<string>> Recall() => Task.FromResult(state.State.Notes.ToList());

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity + "/" + this.GetGrainId() + "/" + GrainContext.ActivationId);

    // Orleans refuses reminder periods under a minute; the test only needs the row.
    public Task ArmReminder(string name) =>
        this.RegisterOrUpdateReminder(name, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
