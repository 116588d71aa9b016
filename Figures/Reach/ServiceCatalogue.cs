namespace QpActors.Figures.Reach;

/// <summary>The configured services and budgets per ward and area (<c>Data/services.v1.json</c>).</summary>
public sealed record ServiceCatalogue(
    string Version,
    IReadOnlyList<string> Notes,
    string Source,
    IReadOnlyList<AreaServices> Areas)
{
    private const string FileName = "services.v1.json";

    /// <summary>The catalogue shipped with the library.</summary>
    public static ServiceCatalogue LoadDefault()
    {
        using var stream = DataFile.OpenEmbedded(FileName);
        return Load(stream);
    }

    /// <summary>A catalogue from a stream.</summary>
    public static ServiceCatalogue Load(Stream stream) => DataFile.Read<ServiceCatalogue>(stream, FileName).Validated();

    /// <summary>A catalogue from a file path.</summary>
    public static ServiceCatalogue LoadFile(string path) => DataFile.ReadFile<ServiceCatalogue>(path, path).Validated();

    /// <summary>The area with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such area.</exception>
    public AreaServices Area(string areaId) =>
        Areas.FirstOrDefault(a => a.Id == areaId) ?? throw new KeyNotFoundException($"No area '{areaId}' in {Version}.");

    /// <summary>The ward with this id, in whichever area holds it.</summary>
    /// <exception cref="KeyNotFoundException">No such ward.</exception>
    public WardServices Ward(string wardId) =>
        Areas.SelectMany(a => a.Wards).FirstOrDefault(w => w.Id == wardId)
        ?? throw new KeyNotFoundException($"No ward '{wardId}' in {Version}.");

    private ServiceCatalogue Validated()
    {
        var wardIds = Areas.SelectMany(a => a.Wards).Select(w => w.Id).ToList();
        var errors = wardIds.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => $"ward '{g.Key}' appears twice").ToList();
        foreach (var ward in Areas.SelectMany(a => a.Wards))
        {
            errors.AddRange(ward.Services.GroupBy(s => s.Id).Where(g => g.Count() > 1).Select(g => $"{ward.Id}: service '{g.Key}' appears twice"));
            errors.AddRange(ward.Services.Where(s => s.AnnualBudget < 0 || s.Capacity < 0).Select(s => $"{ward.Id}/{s.Id}: budget and capacity cannot be negative"));
        }

        return errors.Count == 0 ? this : throw new InvalidDataException($"{FileName} ({Version}) is invalid: {string.Join("; ", errors)}");
    }
}

/// <summary>An area: a set of wards whose figures add up to the area's.</summary>
public sealed record AreaServices(string Id, string Name, IReadOnlyList<WardServices> Wards, string? Notes = null)
{
    /// <summary>Sum of the wards' budgets.</summary>
    public decimal AnnualBudget => Wards.Sum(w => w.AnnualBudget);
}

/// <summary>A ward's services. <see cref="Illustrative"/> marks budgets that are placeholders, not derived from a source.</summary>
public sealed record WardServices(string Id, string Name, bool Illustrative, string Notes, IReadOnlyList<ServiceBudget> Services)
{
    /// <summary>Whole-system budget: the sum of the ward's services.</summary>
    public decimal AnnualBudget => Services.Sum(s => s.AnnualBudget);
}

/// <summary>One service in one ward: annual budget in pounds and capacity in <see cref="CapacityUnit"/>.</summary>
public sealed record ServiceBudget(string Id, string Name, decimal AnnualBudget, int Capacity, string CapacityUnit, string? Notes = null);
