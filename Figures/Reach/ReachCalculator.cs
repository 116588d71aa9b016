using QpActors.Figures.Indicators;

namespace QpActors.Figures.Reach;

/// <summary>What reach needs to know about one child.</summary>
/// <param name="ChildId">Pseudonymous id; used only to reject duplicates.</param>
/// <param name="KnownFromBirthRecord">The child is on the birth notifications shared with the partnership.</param>
/// <param name="RegisteredOn">Registration with the children's centre.</param>
/// <param name="LastSeenOn">Last time any service in the system saw the child.</param>
/// <param name="DateOfBirth">From the birth record; null for a child not on the birth records, whose age is not known.</param>
public sealed record ReachInput(string ChildId, bool KnownFromBirthRecord, DateOnly? RegisteredOn, DateOnly? LastSeenOn, DateOnly? DateOfBirth = null);

/// <summary>
/// Children's-centre reach on a date, over the under-fives living in the area then (BRIEF.md: born by the date and not yet
/// five). Counts other than <see cref="ReachedOutsideBirthRecords"/> are of children known from birth records, so the
/// percentages (of <see cref="Known"/>, 0-100, null when nobody is known) stay within 0-100.
/// </summary>
/// <param name="Known">Under-fives known from birth records.</param>
/// <param name="Registered">Known children registered with the children's centre.</param>
/// <param name="Seen12Months">Known children seen in the last 12 months to the date (<see cref="ReportingPeriod.Last12Months"/>).</param>
/// <param name="Reached">Known children ever registered or seen.</param>
/// <param name="Unreached">Known children never registered nor seen: the pilot's "328 of 1,020".</param>
/// <param name="ReachedOutsideBirthRecords">Children registered or seen who are not on the birth records (moved in, found by outreach): the data gap in the other direction.</param>
public sealed record Reach(
    DateOnly AsOf,
    int Known,
    int Registered,
    int Seen12Months,
    int Reached,
    int Unreached,
    int ReachedOutsideBirthRecords,
    double? RegisteredPercent,
    double? Seen12MonthsPercent,
    double? ReachedPercent,
    double? UnreachedPercent)
{
    /// <summary>Everyone the services reached, on the birth records or not: the divisor for unit cost.</summary>
    public int TotalReached => Reached + ReachedOutsideBirthRecords;
}

/// <summary>Computes <see cref="Reach"/> from per-child inputs.</summary>
public static class ReachCalculator
{
    /// <summary>
    /// Reach as of <paramref name="asOf"/>. Dates after <paramref name="asOf"/> have not happened yet and are ignored,
    /// so pass the state as it was on that date when looking back.
    /// </summary>
    /// <exception cref="ArgumentException">The same child id appears twice.</exception>
    public static Reach Compute(IEnumerable<ReachInput> inputs, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var last12Months = ReportingPeriod.Last12Months(asOf);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int known = 0, registered = 0, seen = 0, reached = 0, outside = 0;
        foreach (var child in inputs)
        {
            if (!ids.Add(child.ChildId))
            {
                throw new ArgumentException($"Child '{child.ChildId}' appears more than once.", nameof(inputs));
            }

            var isRegistered = child.RegisteredOn is { } r && r <= asOf;
            var everSeen = child.LastSeenOn is { } s && s <= asOf;
            var seenRecently = child.LastSeenOn is { } l && last12Months.Contains(l);
            if (!child.KnownFromBirthRecord)
            {
                outside += isRegistered || everSeen ? 1 : 0;
                continue;
            }

            if (child.DateOfBirth is { } born && !IsUnderFive(born, asOf))
            {
                continue;
            }

            known++;
            registered += isRegistered ? 1 : 0;
            seen += seenRecently ? 1 : 0;
            reached += isRegistered || everSeen ? 1 : 0;
        }

        var unreached = known - reached;
        return new Reach(asOf, known, registered, seen, reached, unreached, outside,
            Percent(registered, known), Percent(seen, known), Percent(reached, known), Percent(unreached, known));
    }

    /// <summary>
    /// Whether a child born on <paramref name="dateOfBirth"/> is one of the area's under-fives on <paramref name="asOf"/>:
    /// born by then and not yet five. Five years are counted as the indicators count months (a child born on 29 February
    /// turns five on 28 February), the same day the Domain's HealthyChildProgramme takes the child out of the programme.
    /// </summary>
    public static bool IsUnderFive(DateOnly dateOfBirth, DateOnly asOf) => dateOfBirth <= asOf && asOf < dateOfBirth.AddYears(5);

    private static double? Percent(int part, int whole) => whole == 0 ? null : 100.0 * part / whole;
}
