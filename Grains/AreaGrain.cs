using System.Text.Json.Nodes;
using Orleans.Concurrency;
using QpActors.Figures.Publishing;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// An area's figures: its configured wards' counts summed and every ratio recomputed from the sums (never an average
/// of the wards' percentages). Holds nothing, so any silo may answer: a stateless worker.
/// </summary>
[StatelessWorker]
public sealed class AreaGrain(WardFiguresBuilder figures, GrainClock time) : Grain, IAreaGrain
{
    /// <summary>Monthly history is kept under the default assumptions.</summary>
    public const string HistoryScenario = "default";

    public async Task<AreaFigures> GetFiguresAsync(FiguresQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var areaId = this.GetPrimaryKeyString();
        var area = figures.Area(areaId)
            ?? throw new FiguresNotFoundException($"No area '{areaId}' in {figures.Catalogue.Version}.") { Key = areaId };
        figures.Validate(query);

        // The wards' own documents hold counts, not money: asked without the overrides, they come from the wards' caches.
        var wards = await Task.WhenAll(area.Wards.Select(w => GrainFactory.For<IWardGrain>(w.Id).GetOwnFiguresAsync(query with { Overrides = null })));
        var documents = wards.Select(w => JsonNode.Parse(w.Document)!.AsObject()).ToList();
        var document = figures.BuildArea(area, documents, query.Scenario, query.Overrides);
        figures.ShareSavings(area, documents, query.Scenario, query.Overrides);
        return new AreaFigures(
            areaId,
            time.GetUtcNow(),
            query.Period,
            area.Wards.Select(w => w.Id).ToArray(),
            document.ToJsonString(FiguresLayout.JsonOptions),
            documents.Select(d => d.ToJsonString(FiguresLayout.JsonOptions)).ToArray());
    }

    public async Task<IReadOnlyList<WardHistoryMonth>> GetHistoryAsync()
    {
        var areaId = this.GetPrimaryKeyString();
        var area = figures.Area(areaId)
            ?? throw new FiguresNotFoundException($"No area '{areaId}' in {figures.Catalogue.Version}.") { Key = areaId };
        var histories = await Task.WhenAll(area.Wards.Select(w => GrainFactory.For<IWardGrain>(w.Id).GetHistoryAsync()));

        // A month belongs to the area's history only when every ward kept it: a sum over some wards
        // would read as a fall in the area's figures.
        var months = histories
            .Select(h => h.Select(m => m.Month).ToHashSet(StringComparer.Ordinal))
            .Aggregate((all, next) => { all.IntersectWith(next); return all; })
            .Order(StringComparer.Ordinal);
        var result = new List<WardHistoryMonth>();
        foreach (var month in months)
        {
            var snapshots = histories.Select(h => h.First(m => m.Month == month)).ToList();
            var documents = snapshots.Select(m => JsonNode.Parse(m.Document)!.AsObject()).ToList();
            var document = figures.BuildArea(area, documents, HistoryScenario);
            figures.ShareSavings(area, documents, HistoryScenario);
            result.Add(new WardHistoryMonth(
                month,
                figures.MonthEnded(month),
                document.ToJsonString(FiguresLayout.JsonOptions),
                documents.Select(d => d.ToJsonString(FiguresLayout.JsonOptions)).ToArray()));
        }

        return result;
    }
}
