namespace QpActors.Simulation.Generation;

/// <summary>
/// How much the generator holds at once. Both peaks depend on births per year and on how late phones send,
/// not on the length of the run or the number of events, which is what keeps memory flat.
/// </summary>
public sealed class GeneratorDiagnostics
{
    /// <summary>Most timelines (children plus drop-in calendars) open at once.</summary>
    public int PeakActiveTimelines { get; internal set; }

    /// <summary>Most sends held back at once waiting for their send time (the look-ahead buffer for late events).</summary>
    public int PeakLookAhead { get; internal set; }

    public long ContactsSent { get; internal set; }

    public long ChildrenAdmitted { get; internal set; }
}
