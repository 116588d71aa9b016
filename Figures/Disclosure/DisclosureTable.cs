namespace QpActors.Figures.Disclosure;

/// <summary>
/// Raw counts on their way out: named cells plus the additive relations a reader could use to recover a hidden cell.
/// Build one per published output and pass it to <see cref="SmallNumberRule.Publish"/>; nothing else should leave the system.
/// </summary>
/// <remarks>Keys are free text; <see cref="Key"/> gives the "scope/name" convention the helpers use (scope = ward or area id).</remarks>
public sealed class DisclosureTable
{
    private readonly Dictionary<string, int> _cells = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<AdditiveConstraint> _constraints = [];

    /// <summary>Cells in the order they were added.</summary>
    public IReadOnlyList<string> Keys => _order;

    /// <summary>The raw counts. Never publish these directly.</summary>
    public IReadOnlyDictionary<string, int> Cells => _cells;

    /// <summary>The declared relations, in the order they were added.</summary>
    public IReadOnlyList<AdditiveConstraint> Constraints => _constraints;

    /// <summary>"scope/name", e.g. <c>Key("queens-park", "known")</c>.</summary>
    public static string Key(string scope, string name) => scope + "/" + name;

    /// <summary>Adds a cell.</summary>
    /// <exception cref="ArgumentException">The key exists already.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count is negative.</exception>
    public DisclosureTable Add(string key, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!_cells.TryAdd(key, count))
        {
            throw new ArgumentException($"Cell '{key}' is already in the table.", nameof(key));
        }

        _order.Add(key);
        return this;
    }

    /// <summary>
    /// Declares <paramref name="totalKey"/> = sum of <paramref name="partKeys"/>. One part states an equality
    /// (the same count published under two names). Constraints chain: a ward's cell can be a part here and a total elsewhere.
    /// </summary>
    /// <exception cref="ArgumentException">A key is missing, repeated, or the counts do not add up.</exception>
    public DisclosureTable AddTotal(string totalKey, params string[] partKeys)
    {
        ArgumentNullException.ThrowIfNull(partKeys);
        if (partKeys.Length == 0)
        {
            throw new ArgumentException("A total needs at least one part.", nameof(partKeys));
        }

        string[] all = [totalKey, .. partKeys];
        var missing = all.Where(k => !_cells.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"Add the cells before the total: {string.Join(", ", missing)}.", nameof(partKeys));
        }

        if (all.Distinct(StringComparer.Ordinal).Count() != all.Length)
        {
            throw new ArgumentException($"'{totalKey}' repeats a key among its total and parts.", nameof(partKeys));
        }

        var sum = partKeys.Sum(k => (long)_cells[k]);
        if (sum != _cells[totalKey])
        {
            throw new ArgumentException($"'{totalKey}' is {_cells[totalKey]} but its parts add up to {sum}.", nameof(partKeys));
        }

        _constraints.Add(new AdditiveConstraint(totalKey, partKeys.ToArray()));
        return this;
    }

    /// <summary>
    /// Adds area cells that sum the wards' cells, for every "wardScope/name" cell of the first ward, and declares each
    /// area cell the total of its wards (so a hidden ward cell cannot be recovered from the area and the other wards).
    /// Relations among a ward's own cells are repeated for the area, where they also hold.
    /// </summary>
    /// <exception cref="ArgumentException">The wards do not all have the same cells.</exception>
    public DisclosureTable AddAreaTotals(string areaScope, params string[] wardScopes)
    {
        ArgumentException.ThrowIfNullOrEmpty(areaScope);
        ArgumentNullException.ThrowIfNull(wardScopes);
        if (wardScopes.Length == 0)
        {
            throw new ArgumentException("An area needs at least one ward.", nameof(wardScopes));
        }

        var firstPrefix = wardScopes[0] + "/";
        var names = _order.Where(k => k.StartsWith(firstPrefix, StringComparison.Ordinal)).Select(k => k[firstPrefix.Length..]).ToList();
        foreach (var ward in wardScopes)
        {
            var theirs = _order.Where(k => k.StartsWith(ward + "/", StringComparison.Ordinal)).Select(k => k[(ward.Length + 1)..]);
            if (!theirs.ToHashSet(StringComparer.Ordinal).SetEquals(names))
            {
                throw new ArgumentException($"Ward '{ward}' does not have the same cells as '{wardScopes[0]}'.", nameof(wardScopes));
            }
        }

        foreach (var name in names)
        {
            var parts = wardScopes.Select(w => Key(w, name)).ToArray();
            Add(Key(areaScope, name), parts.Sum(k => _cells[k]));
            AddTotal(Key(areaScope, name), parts);
        }

        foreach (var c in _constraints.Where(c => c.Keys.All(k => k.StartsWith(firstPrefix, StringComparison.Ordinal))).ToList())
        {
            AddTotal(Rescope(c.TotalKey), c.PartKeys.Select(Rescope).ToArray());
        }

        return this;

        string Rescope(string wardKey) => Key(areaScope, wardKey[firstPrefix.Length..]);
    }
}

/// <summary>TotalKey = sum of PartKeys.</summary>
public sealed record AdditiveConstraint(string TotalKey, IReadOnlyList<string> PartKeys)
{
    /// <summary>The total, then the parts.</summary>
    public IEnumerable<string> Keys => PartKeys.Prepend(TotalKey);
}
