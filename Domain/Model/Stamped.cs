using System.Text.Json.Serialization;

namespace QpActors.Domain.Model;

/// <summary>Something that happened at a point in time, identified by the event that recorded it.</summary>
public interface ITimed
{
    DateTimeOffset At { get; }

    string EventId { get; }
}

/// <summary>
/// The total order every fold uses: by instant, then by event id. Two different events never tie,
/// so "latest wins" picks the same winner whatever order the events arrived in.
/// </summary>
public static class EventOrder
{
    public static int Compare(DateTimeOffset leftAt, string leftId, DateTimeOffset rightAt, string rightId)
    {
        var order = leftAt.UtcTicks.CompareTo(rightAt.UtcTicks);
        return order != 0 ? order : string.CompareOrdinal(leftId, rightId);
    }

    public static int Compare(ITimed left, ITimed right) => Compare(left.At, left.EventId, right.At, right.EventId);

    public static bool IsLater(ITimed candidate, ITimed? current) => current is null || Compare(candidate, current) > 0;
}

/// <summary>Sorts timed items by <see cref="EventOrder"/>.</summary>
public sealed class ByTime<T> : IComparer<T>
    where T : ITimed
{
    public static readonly ByTime<T> Instance = new();

    public int Compare(T? x, T? y) => x is null || y is null
        ? Comparer<object?>.Default.Compare(x, y)
        : EventOrder.Compare(x, y);
}

/// <summary>
/// A last-writer-wins register: the value written by the latest event in <see cref="EventOrder"/>.
/// </summary>
public sealed record Stamped<T>(T Value, DateTimeOffset At, string EventId) : ITimed
{
    /// <summary>The later of the two; applying the same candidates in any order ends at the same value.</summary>
    public static Stamped<T> Latest(Stamped<T>? current, Stamped<T> candidate) =>
        EventOrder.IsLater(candidate, current) ? candidate : current!;
}

/// <summary>A dated event reduced to what the rules need: when, which event, and one detail (service, session...).</summary>
public sealed record Occurrence(DateTimeOffset At, string EventId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null) : ITimed;
