namespace QpActors.Figures.Disclosure;

/// <summary>
/// NHS Digital's small-number rule for small-area outputs, plus secondary suppression:
/// 0 stays 0; 1-7 are suppressed; everything else is rounded to the nearest 5.
/// </summary>
public static class SmallNumberRule
{
    /// <summary>Counts from 1 up to this are suppressed.</summary>
    public const int LargestSuppressedCount = 7;

    /// <summary>Published counts are multiples of this.</summary>
    public const int RoundTo = 5;

    /// <summary>
    /// Applies the rule to every cell. Secondary suppression: for every relation in which exactly one cell (a part
    /// or the total) is hidden, the smallest other non-zero visible part is hidden too (the total only when no part
    /// qualifies), repeating until no relation has a lone hidden cell. For wards summing to areas (any tree of totals)
    /// this leaves no hidden cell that the relations determine exactly.
    /// </summary>
    public static PublishedTable Publish(DisclosureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var counts = table.Cells;
        var reasons = new Dictionary<string, SuppressionReason>(StringComparer.Ordinal);
        var suppressed = new List<string>();

        foreach (var key in table.Keys.Where(k => counts[k] is >= 1 and <= LargestSuppressedCount))
        {
            Hide(key, new SuppressionReason(SuppressionKind.Primary, $"count between 1 and {LargestSuppressedCount}"));
        }

        bool changed;
        do
        {
            changed = false;
            foreach (var constraint in table.Constraints)
            {
                var hidden = constraint.Keys.Where(reasons.ContainsKey).ToList();
                if (hidden.Count != 1)
                {
                    continue;
                }

                var lone = hidden[0];
                var partner = SmallestVisibleNonZero(constraint.PartKeys.Where(k => k != lone))
                    ?? SmallestVisibleNonZero(lone == constraint.TotalKey ? [] : [constraint.TotalKey]);
                if (partner is null)
                {
                    // Unreachable while the sums hold (a hidden cell is non-zero, so something else in the relation is too).
                    continue;
                }

                var relation = $"{constraint.TotalKey} = {string.Join(" + ", constraint.PartKeys)}";
                Hide(partner, new SuppressionReason(SuppressionKind.Secondary, $"otherwise '{lone}' could be recovered from {relation}"));
                changed = true;
            }
        }
        while (changed);

        var values = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var key in table.Keys)
        {
            values[key] = reasons.ContainsKey(key) ? null : RoundToNearest(counts[key]);
        }

        return new PublishedTable(values, suppressed, reasons);

        void Hide(string key, SuppressionReason reason)
        {
            reasons[key] = reason;
            suppressed.Add(key);
        }

        string? SmallestVisibleNonZero(IEnumerable<string> keys) =>
            keys.Where(k => counts[k] > 0 && !reasons.ContainsKey(k))
                .Select((k, i) => (Key: k, Count: counts[k], Order: i))
                .OrderBy(x => x.Count).ThenBy(x => x.Order)
                .Select(x => x.Key)
                .FirstOrDefault();
    }

    /// <summary>A count of 8 or more rounded to the nearest multiple of 5 (8 -> 10, 12 -> 10, 13 -> 15).</summary>
    internal static int RoundToNearest(int count) =>
        (int)(Math.Round(count / (double)RoundTo, MidpointRounding.AwayFromZero) * RoundTo);
}

/// <summary>Why a cell was hidden.</summary>
public enum SuppressionKind
{
    /// <summary>The count itself is small.</summary>
    Primary,

    /// <summary>Hidden to protect another hidden cell.</summary>
    Secondary,
}

/// <summary>Why a cell was hidden, in words the commission can read.</summary>
public sealed record SuppressionReason(SuppressionKind Kind, string Explanation);

/// <summary>
/// What may be published: rounded counts (null = suppressed, shown as "*"), which cells were hidden and why.
/// Holds no raw count.
/// </summary>
/// <param name="Values">Every cell: a multiple of 5, 0, or null when suppressed.</param>
/// <param name="Suppressed">
/// Hidden cells in the order they were hidden (primary first). Not an order to publish them in: it tells the small cells from
/// the ones hidden to protect them.
/// </param>
/// <param name="Reasons">Why each hidden cell was hidden.</param>
public sealed record PublishedTable(
    IReadOnlyDictionary<string, int?> Values,
    IReadOnlyList<string> Suppressed,
    IReadOnlyDictionary<string, SuppressionReason> Reasons)
{
    /// <summary>
    /// 100 x numerator / denominator computed from the published (rounded) counts, so it matches what readers can
    /// compute themselves; null when either is suppressed or the denominator is 0.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A key is not in the table.</exception>
    public double? Percent(string numeratorKey, string denominatorKey)
    {
        var numerator = Value(numeratorKey);
        var denominator = Value(denominatorKey);
        return numerator is null || denominator is null or 0 ? null : 100.0 * numerator.Value / denominator.Value;
    }

    private int? Value(string key) =>
        Values.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No cell '{key}' in the published table.");
}
