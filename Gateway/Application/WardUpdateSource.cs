using System.Text.Json;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>
/// Reads what the live streams follow from the ward grain: every family's risk line (from the worklist)
/// and the ward's published figures.
/// </summary>
public sealed class WardUpdateSource(IGrainFactory grains, IFiguresPublisher publisher) : IUpdateSource
{
    /// <summary>Largest worklist a risk stream follows; beyond it the interim polling design is the wrong tool.</summary>
    public const int MaxFamiliesFollowed = WorklistQuery.MaxSystemPageSize;

    /// <summary>Whole reads of a worklist that changed while it was paged through, before the poll gives up until the next.</summary>
    private const int ReadAttempts = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ChangeKindOf(FeedTopic topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return topic.Kind == FeedKinds.Risk ? "risk-changed" : "figures";
    }

    public FeedRemoval? RemovalOf(FeedTopic topic, string key)
    {
        ArgumentNullException.ThrowIfNull(topic);

        // A family gone from the worklist (it moved ward) must leave clients' lists too. Figures are not
        // taken back: a read without them failed closed (logged), and the next good read sends them again.
        return topic.Kind == FeedKinds.Risk
            ? new FeedRemoval("risk-removed", JsonSerializer.Serialize(new RemovedLine(key, topic.Ward), Json))
            : null;
    }

    public async Task<IReadOnlyDictionary<string, FeedItem>> ReadAsync(FeedTopic topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);

        // The poller reads on behalf of every subscriber of the ward (each was scope-checked on joining), as the
        // system: the ward audits nothing for it, and what reaches each subscriber is audited on the way out.
        CallerContext.Set(new Caller("gateway:update-feed", Roles.System, [topic.Ward], null, null));
        try
        {
            if (topic.Kind != FeedKinds.Risk)
            {
                return await ReadFiguresAsync(topic.Ward);
            }

            var wardGrain = grains.For<IWardGrain>(topic.Ward);
            return await ReadRiskLinesAsync(topic.Ward, wardGrain.GetWorklistAsync);
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    /// <summary>
    /// Every family on a ward's worklist, up to <see cref="MaxFamiliesFollowed"/>, read page by page through
    /// <paramref name="readPage"/> (the ward grain's <see cref="IWardGrain.GetWorklistAsync"/>).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, FeedItem>> ReadRiskLinesAsync(string ward, Func<WorklistQuery, Task<WorklistPage>> readPage)
    {
        ArgumentNullException.ThrowIfNull(readPage);
        for (var attempt = 1; ; attempt++)
        {
            var (items, complete) = await ReadWorklistAsync(ward, readPage);

            // A family missing from a torn read would be announced as removed: read again instead.
            if (complete)
            {
                return items;
            }

            if (attempt == ReadAttempts)
            {
                throw new InvalidOperationException($"The worklist of ward {ward} changed during each of {ReadAttempts} reads.");
            }
        }
    }

    /// <summary>
    /// One pass over the worklist in pages of the size the grain serves (it caps what is asked for; for the system's
    /// poller the cap is <see cref="MaxFamiliesFollowed"/>, so against this version's ward grain this is a single page).
    /// The paging stays because a gateway may poll a silo of an earlier version during a rolling upgrade, whose ward
    /// grain serves the system pages of 200 like anyone else.
    /// Complete when the pages agree on the total and held all of it: families ranked anew between two
    /// pages can be skipped or read twice.
    /// </summary>
    private static async Task<(Dictionary<string, FeedItem> Items, bool Complete)> ReadWorklistAsync(string ward, Func<WorklistQuery, Task<WorklistPage>> readPage)
    {
        var items = new Dictionary<string, FeedItem>(StringComparer.Ordinal);
        int? total = null;
        var consistent = true;
        var page = 1;
        var pageSize = MaxFamiliesFollowed;
        while ((page - 1) * pageSize < Math.Min(total ?? MaxFamiliesFollowed, MaxFamiliesFollowed))
        {
            var result = await readPage(new WorklistQuery(null, null, null, page, pageSize));
            consistent &= total is null || total == result.Total;
            total = result.Total;
            if (result.Items.Count == 0 || result.PageSize <= 0)
            {
                break;
            }

            foreach (var item in result.Items.Take(MaxFamiliesFollowed - items.Count))
            {
                var line = new RiskLine(
                    item.FamilyId, ward, item.Score, item.SuggestedLevel, item.SetLevel, item.OverdueReviews, item.OpenConcerns, item.UpdatedAt,
                    item.AwaitingDecision, item.RiskChangedAt, item.LevelChangedAt, item.LevelChangedFrom);
                var json = JsonSerializer.Serialize(line, Json);
                var fingerprint = FormattableString.Invariant($"{item.Score:R}|{item.SuggestedLevel}|{item.SetLevel}|{item.OverdueReviews}|{string.Join(',', item.OpenConcerns)}|{item.RiskChangedAt?.UtcTicks}");
                items[item.FamilyId] = new FeedItem(json, fingerprint);
            }

            // The grain answers with the page size it used; later pages follow on from that.
            pageSize = result.PageSize;
            page = result.Page + 1;
        }

        return (items, consistent && items.Count == Math.Min(total ?? 0, MaxFamiliesFollowed));
    }

    private async Task<IReadOnlyDictionary<string, FeedItem>> ReadFiguresAsync(string ward)
    {
        WardFigures figures;
        try
        {
            figures = await grains.For<IWardGrain>(ward).GetFiguresAsync(new FiguresQuery(WardOperations.DefaultPeriod, null, WardOperations.DefaultScenario));
        }
        catch (FiguresNotFoundException)
        {
            // Nothing known about the ward yet: an empty snapshot, and figures as soon as there are some.
            return new Dictionary<string, FeedItem>();
        }

        var published = publisher.Publish(figures.Document, figures.NeighbourDocuments);
        if (published is null)
        {
            return new Dictionary<string, FeedItem>();
        }

        // The document's own timestamp moves every read; only a change in the figures is an update.
        using var document = JsonDocument.Parse(published);
        var fingerprint = document.RootElement.ValueKind == JsonValueKind.Object
            ? string.Join(",", document.RootElement.EnumerateObject().Where(p => p.Name != "asOf").Select(p => p.Name + "=" + p.Value.GetRawText()))
            : published;
        var json = JsonSerializer.Serialize(new { wardCode = ward, asOf = figures.AsOf, period = figures.Period, figures = document.RootElement }, Json);
        return new Dictionary<string, FeedItem>(StringComparer.Ordinal) { ["figures"] = new FeedItem(json, fingerprint) };
    }

    /// <summary>
    /// A family's line on the risk stream: its worklist item's members, so a live view shows what the worklist shows
    /// (whether it awaits a decision, when its risk and level last changed). Whether it awaits a decision follows from the
    /// levels, which the fingerprint compares; the fingerprint also compares when the risk last changed, so a score that
    /// moved and came back between two reads is still sent as a change.
    /// </summary>
    private sealed record RiskLine(
        string FamilyId,
        string WardCode,
        double Score,
        string SuggestedLevel,
        string? SetLevel,
        int OverdueReviews,
        IReadOnlyList<string> OpenConcerns,
        DateTimeOffset UpdatedAt,
        bool AwaitingDecision,
        DateTimeOffset? RiskChangedAt,
        DateTimeOffset? LevelChangedAt,
        string? LevelChangedFrom);

    /// <summary>A family no longer on the ward's risk stream.</summary>
    private sealed record RemovedLine(string FamilyId, string WardCode);
}
