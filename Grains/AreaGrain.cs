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
    public async Task<AreaFigures> GetFiguresAsync(FiguresQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var areaId = this.GetPrimaryKeyString();
        var area = figures.Area(areaId)
            ?? throw new FiguresNotFoundException($"No area '{areaId}' in {figures.Catalogue.Version}.") { Key = areaId };
        figures.Validate(query);
        var wards = await Task.WhenAll(area.Wards.Select(w => GrainFactory.GetGrain<IWardGrain>(w.Id).GetOwnFiguresAsync(query)));
        var documents = wards.Select(w => JsonNode.Parse(w.Document)!.AsObject()).ToList();
        var document = figures.BuildArea(area, documents);
        return new AreaFigures(
            areaId,
            time.GetUtcNow(),
            query.Period,
            area.Wards.Select(w => w.Id).ToArray(),
            document.ToJsonString(FiguresLayout.JsonOptions),
            wards.Select(w => w.Document).ToArray());
    }
}
