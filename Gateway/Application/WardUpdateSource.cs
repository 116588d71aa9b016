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
    public const int MaxFamiliesFollowed = 10_000;

    private const int PageSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ChangeKindOf(FeedTopic topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return topic.Kind == FeedKinds.Risk ? "risk-changed" : "figures";
    }

    public async Task<IReadOnlyDictionary<string, FeedItem>> ReadAsync(FeedTopic topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);

        // The poller reads on behalf of every subscriber of the ward (each was scope-checked on joining), as the
        // system: the ward audits nothing for it, and what reaches each subscriber is audited on the way out.
        CallerContext.Set(new Caller("gateway:update-feed", Roles.System, [topic.Ward], null, null));
        try
        {
            return topic.Kind == FeedKinds.Risk ? await ReadRiskAsync(topic.Ward) : await ReadFiguresAsync(topic.Ward);
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    private async Task<IReadOnlyDictionary<string, FeedItem>> ReadRiskAsync(string ward)
    {
        var items = new Dictionary<string, FeedItem>(StringComparer.Ordinal);
        var wardGrain = grains.For<IWardGrain>(ward);
        for (var page = 1; items.Count < MaxFamiliesFollowed; page++)
        {
            var result = await wardGrain.GetWorklistAsync(new WorklistQuery(null, null, null, page, PageSize));
            foreach (var item in result.Items)
            {
                var line = new RiskLine(item.FamilyId, ward, item.Score, item.SuggestedLevel, item.SetLevel, item.OverdueReviews, item.OpenConcerns, item.UpdatedAt);
                var json = JsonSerializer.Serialize(line, Json);
                var fingerprint = FormattableString.Invariant($"{item.Score:R}|{item.SuggestedLevel}|{item.SetLevel}|{item.OverdueReviews}|{string.Join(',', item.OpenConcerns)}");
                items[item.FamilyId] = new FeedItem(json, fingerprint);
            }

            if (result.Items.Count < PageSize || page * PageSize >= result.Total)
            {
                break;
            }
        }

        return items;
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

    /// <summary>A family's line on the risk stream.</summary>
    private sealed record RiskLine(string FamilyId, string WardCode, double Score, string SuggestedLevel, string? SetLevel, int OverdueReviews, IReadOnlyList<string> OpenConcerns, DateTimeOffset UpdatedAt);
}
