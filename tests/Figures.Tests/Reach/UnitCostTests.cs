using System.Text;
using QpActors.Figures.Reach;

namespace QpActors.Figures.Tests.Reach;

public sealed class UnitCostTests
{
    [Theory]
    [InlineData(132864, 692, 192.00)]   // the pilot: £192 per child
    [InlineData(132864, 1006, 132.07)]  // the same budget at full reach: about £132
    [InlineData(100, 3, 33.33)]
    [InlineData(0, 10, 0)]
    public void Unit_cost_is_budget_over_children_reached(int budget, int reached, double expected) =>
        Assert.Equal((decimal)expected, UnitCost.Compute(budget, reached));

    [Fact]
    public void No_child_reached_means_no_unit_cost() => Assert.Null(UnitCost.Compute(132864m, 0));

    [Fact]
    public void Negative_inputs_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UnitCost.Compute(-1m, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnitCost.Compute(1m, -1));
    }

    [Fact]
    public void Queens_Park_budget_is_derived_from_the_pilot()
    {
        var catalogue = ServiceCatalogue.LoadDefault();
        var ward = catalogue.Ward("queens-park");

        Assert.Equal("services.v1", catalogue.Version);
        Assert.False(ward.Illustrative);
        Assert.Equal(132864m, ward.AnnualBudget);
        Assert.Equal(192m, UnitCost.Compute(ward.AnnualBudget, 692));
        Assert.Equal(132m, Math.Round(UnitCost.Compute(ward.AnnualBudget, 1006)!.Value));
        Assert.Contains("192 x 692", ward.Notes, StringComparison.Ordinal);
        Assert.Equal(["health-visiting", "midwifery", "childrens-centre", "maternity-drop-in", "sounds-like-fun"], ward.Services.Select(s => s.Id));
    }

    [Fact]
    public void North_Westminster_is_four_wards_and_the_others_are_marked_illustrative()
    {
        var area = ServiceCatalogue.LoadDefault().Area("north-westminster");

        Assert.Equal(["queens-park", "harrow-road", "westbourne", "church-street"], area.Wards.Select(w => w.Id));
        Assert.All(area.Wards.Where(w => w.Id != "queens-park"), w => Assert.True(w.Illustrative));
        Assert.Equal(area.Wards.Sum(w => w.Services.Sum(s => s.AnnualBudget)), area.AnnualBudget);
        Assert.All(area.Wards.SelectMany(w => w.Services), s => Assert.True(s.Capacity > 0 && s.AnnualBudget > 0));
    }

    [Fact]
    public void Per_service_and_whole_system_unit_costs()
    {
        var ward = ServiceCatalogue.LoadDefault().Ward("queens-park");
        var reachedByService = new Dictionary<string, int> { ["health-visiting"] = 1000, ["childrens-centre"] = 692 };

        var report = UnitCost.Compute(ward, reachedByService, childrenReachedBySystem: 692);

        Assert.Equal(52m, report.ByService.Single(s => s.Id == "health-visiting").PerChild);
        Assert.Equal(Math.Round(38864m / 692, 2), report.ByService.Single(s => s.Id == "childrens-centre").PerChild);
        Assert.Null(report.ByService.Single(s => s.Id == "midwifery").PerChild);
        Assert.Equal(new UnitCostFigure("queens-park", "Queen's Park", 132864m, 692, 192m), report.WholeSystem);
    }

    [Fact]
    public void Reach_for_an_unknown_service_is_rejected()
    {
        var ward = ServiceCatalogue.LoadDefault().Ward("queens-park");

        Assert.Throws<ArgumentException>(() => UnitCost.Compute(ward, new Dictionary<string, int> { ["dentist"] = 3 }, 3));
    }

    [Fact]
    public void Unknown_ward_or_area_is_reported()
    {
        var catalogue = ServiceCatalogue.LoadDefault();

        Assert.Throws<KeyNotFoundException>(() => catalogue.Ward("mayfair"));
        Assert.Throws<KeyNotFoundException>(() => catalogue.Area("south-westminster"));
    }

    [Theory]
    [InlineData("y", null)]
    [InlineData("x", "appears twice")]
    public void A_custom_catalogue_loads_from_a_stream_and_is_checked(string secondServiceId, string? error)
    {
        var json = $$"""
            { "version": "t", "notes": [], "source": "s", "areas": [ { "id": "a", "name": "A", "wards": [
              { "id": "w", "name": "W", "illustrative": true, "notes": "n", "services": [
                { "id": "x", "name": "X", "annualBudget": 100, "capacity": 1, "capacityUnit": "u" },
                { "id": "{{secondServiceId}}", "name": "Y", "annualBudget": 50, "capacity": 1, "capacityUnit": "u" } ] } ] } ] }
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));

        if (error is null)
        {
            Assert.Equal(150m, ServiceCatalogue.Load(stream).Ward("w").AnnualBudget);
        }
        else
        {
            Assert.Contains(error, Assert.Throws<InvalidDataException>(() => ServiceCatalogue.Load(stream)).Message, StringComparison.Ordinal);
        }
    }
}
