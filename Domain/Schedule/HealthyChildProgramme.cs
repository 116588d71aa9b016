using QpActors.Domain.Model;

namespace QpActors.Domain.Schedule;

/// <summary>
/// Where the Healthy Child Programme 0-5 ends for a child: its fifth birthday, when school nursing takes over from
/// health visiting and the child is no longer among the under-fives the children's centre serves. From that day its
/// mandated reviews are no longer due or overdue and none of its risk facts holds, so a review missed years before
/// does not keep the family's score, the worklist or the ward's overdue reviews up for good.
/// </summary>
public static class HealthyChildProgramme
{
    /// <summary>The programme's children are under this age in years.</summary>
    public const int UnderAgeYears = 5;

    /// <summary>
    /// The first day the child is out of the programme: the fifth birthday, counted from the date of birth or, while no
    /// birth is recorded, from the due date (the best the records hold). Null with neither. Years are counted as the
    /// indicators count months (indicators.v2.json): a child born on 29 February turns five on 28 February.
    /// </summary>
    public static DateOnly? LeavesOn(ChildState child)
    {
        ArgumentNullException.ThrowIfNull(child);
        return (child.DateOfBirth ?? child.ExpectedDueDate)?.AddYears(UnderAgeYears);
    }

    /// <summary>Whether the child has left the programme by <paramref name="today"/>, a day of the programme's calendar.</summary>
    public static bool HasLeft(ChildState child, DateOnly today) => LeavesOn(child) is { } leaves && today >= leaves;
}
