namespace QpActors.Grains;

/// <summary>
/// A ward's monthly figures, kept in grain storage (plain JSON through the System.Text.Json grain serializer),
/// so the commission can see trends after any restart.
/// </summary>
public sealed class WardHistoryState
{
    public List<WardSnapshot> Months { get; set; } = [];
}

/// <summary>The raw figures document of one completed month, as of its last day.</summary>
public sealed class WardSnapshot
{
    /// <summary><c>yyyy-MM</c>.</summary>
    public string Month { get; set; } = "";

    public DateTimeOffset TakenAt { get; set; }

    public string Document { get; set; } = "";
}
