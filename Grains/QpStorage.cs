namespace QpActors.Grains;

/// <summary>Names shared between grains and the silo that wires their providers.</summary>
public static class QpStorage
{
    /// <summary>The AdoNet grain-storage provider holding grain snapshots (aggregates, schedules).</summary>
    public const string Name = "qp";
}
