using Microsoft.Extensions.Logging;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// A ward's live aggregate. It holds the current contribution of every child and family in the ward,
/// each replaced only by a higher version. The contributions are also durable in the journal (written in
/// the same commit as the entity's event), so on activation the ward reloads them and nothing is lost.
/// </summary>
public sealed class WardGrain(IEventJournal journal, WardFiguresBuilder figures, GrainClock time, ILogger<WardGrain> logger)
    : Grain, IWardGrain
{
    private readonly Dictionary<string, WardContribution> _entries = new(StringComparer.Ordinal);
    private long _changes;
    private (long Changes, FiguresQuery Query, WardFigures Figures)? _cached;

    private string WardCode => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in await journal.ReadWardEntriesAsync(WardCode, cancellationToken))
        {
            Hold(ToContribution(entry));
        }

        logger.LogDebug("Ward {Ward} activated with {Count} entries", WardCode, _entries.Count);
    }

    public Task ApplyAsync(IReadOnlyList<WardContribution> contributions)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        foreach (var contribution in contributions)
        {
            Hold(contribution);
        }

        return Task.CompletedTask;
    }

    public Task<WardFigures> GetFiguresAsync(FiguresQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_cached is { } cached && cached.Changes == _changes && cached.Query == query)
        {
            return Task.FromResult(cached.Figures);
        }

        var now = time.GetUtcNow();
        var document = figures.BuildWard(WardCode, _entries.Values, query, now);
        var result = new WardFigures(WardCode, now, query.Period, document);
        _cached = (_changes, query, result);
        return Task.FromResult(result);
    }

    public Task<WorklistPage> GetWorklistAsync(WorklistQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var families = Families()
            .Where(f => query.Level is null || f.SuggestedLevel == query.Level || f.SetLevel == query.Level)
            .Where(f => query.OverdueReview is not { } overdue || (f.OverdueReviews > 0) == overdue)
            .Where(f => query.Concern is null || f.OpenConcerns.Contains(query.Concern, StringComparer.Ordinal))
            .OrderByDescending(f => LevelRank(f.SetLevel ?? f.SuggestedLevel))
            .ThenByDescending(f => f.Score)
            .ThenByDescending(f => f.OverdueReviews)
            .ThenBy(f => f.FamilyId, StringComparer.Ordinal)
            .ToList();
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        var page = Math.Max(query.Page, 1);
        var items = families
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .Select(f => new WorklistItem(f.FamilyId, f.Score, f.SuggestedLevel, f.SetLevel, f.OverdueReviews, f.OpenConcerns, f.TopFactors, f.UpdatedAt))
            .ToArray();
        return Task.FromResult(new WorklistPage(WardCode, items, page, pageSize, families.Count));
    }

    public Task<IReadOnlyList<UnreachedInfant>> GetUnreachedAsync()
    {
        var championsByFamily = Families().ToDictionary(f => f.FamilyId, f => f.Champions, StringComparer.Ordinal);
        IReadOnlyList<UnreachedInfant> unreached = Children()
            .Where(c => c.KnownFromBirthRecord && c.RegisteredOn is null && c.LastSeenOn is null && c.DateOfBirth is not null)
            .OrderBy(c => c.DateOfBirth)
            .ThenBy(c => c.ChildId, StringComparer.Ordinal)
            .Select(c => new UnreachedInfant(
                c.ChildId,
                c.FamilyId,
                c.DateOfBirth!.Value,
                c.FamilyId is { } f && championsByFamily.TryGetValue(f, out var champions) ? champions : []))
            .ToArray();
        return Task.FromResult(unreached);
    }

    public async Task<ReconciliationReport> ReconcileAsync()
    {
        var differences = new List<string>();
        var durable = (await journal.ReadWardEntriesAsync(WardCode)).ToDictionary(e => e.EntryKey, StringComparer.Ordinal);
        var keys = durable.Keys.Union(_entries.Keys, StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToList();
        foreach (var key in keys)
        {
            var fresh = await FreshContributionAsync(key);
            _entries.TryGetValue(key, out var held);
            if (fresh is null)
            {
                if (held is not null)
                {
                    differences.Add($"{key}: held here but the entity has no contribution to this ward");
                    _entries.Remove(key);
                }

                continue;
            }

            if (!string.Equals(fresh.WardCode, WardCode, StringComparison.Ordinal))
            {
                differences.Add($"{key}: now belongs to ward {fresh.WardCode}");
                _entries.Remove(key);
                continue;
            }

            if (held is null)
            {
                differences.Add($"{key}: missing from the live figures");
            }
            else if (held.Version != fresh.Version || held.Payload != fresh.Payload)
            {
                differences.Add($"{key}: live v{held.Version} differs from recomputed v{fresh.Version}");
            }

            _entries[key] = fresh;
        }

        if (differences.Count > 0)
        {
            _changes++;
            logger.LogWarning("Ward {Ward} reconciliation repaired {Count} differences", WardCode, differences.Count);
        }

        return new ReconciliationReport(WardCode, keys.Count, differences);
    }

    private async Task<WardContribution?> FreshContributionAsync(string key)
    {
        var separator = key.IndexOf(':', StringComparison.Ordinal);
        var id = key[(separator + 1)..];
        return key[..separator] switch
        {
            "child" => await GrainFactory.GetGrain<IChildGrain>(id).GetContributionAsync(),
            "family" => await GrainFactory.GetGrain<IFamilyGrain>(id).GetContributionAsync(),
            _ => _entries.GetValueOrDefault(key),
        };
    }

    private void Hold(WardContribution contribution)
    {
        if (_entries.TryGetValue(contribution.EntryKey, out var held) && held.Version > contribution.Version)
        {
            return;
        }

        if (held is not null && held.Version == contribution.Version && held.Payload == contribution.Payload)
        {
            return;
        }

        _entries[contribution.EntryKey] = contribution;
        _changes++;
    }

    private IEnumerable<FamilyContribution> Families() =>
        _entries.Values.Where(e => e.Kind == ContributionKind.Family).Select(e => ContributionJson.Deserialize<FamilyContribution>(e.Payload));

    private IEnumerable<ChildContribution> Children() =>
        _entries.Values.Where(e => e.Kind == ContributionKind.Child).Select(e => ContributionJson.Deserialize<ChildContribution>(e.Payload));

    private static int LevelRank(string level) => level switch
    {
        "universal-partnership-plus" => 2,
        "universal-plus" => 1,
        _ => 0,
    };

    private static WardContribution ToContribution(WardEntry entry) => new(
        entry.EntryKey,
        entry.WardCode,
        entry.Kind switch
        {
            "child" => ContributionKind.Child,
            "family" => ContributionKind.Family,
            "champion" => ContributionKind.Champion,
            _ => ContributionKind.Service,
        },
        entry.Version,
        entry.Payload);
}
