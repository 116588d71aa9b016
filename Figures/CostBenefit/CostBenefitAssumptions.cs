using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QpActors.Figures.CostBenefit;

/// <summary>
/// Every assumption of the cost-benefit model, as read from <c>Data/cost-benefit.v1.json</c>. Immutable: overrides
/// and scenarios produce new instances, so a request can vary assumptions without touching anyone else's.
/// </summary>
public sealed record CostBenefitAssumptions(
    string Version,
    IReadOnlyList<string> Notes,
    string Source,
    Calibration Calibration,
    int HorizonYears,
    DiscountSchedule DiscountRates,
    RateAssumption OptimismBias,
    RateAssumption Deadweight,
    ScaleAssumption BenefitScale,
    ProgrammeCosts Costs,
    IReadOnlyDictionary<string, UnitCostItem> UnitCosts,
    IReadOnlyDictionary<string, BenefitPhase> Phases,
    IReadOnlyDictionary<string, Scenario> Scenarios,
    WardShares? WardShares = null)
{
    /// <summary>Agencies whose budgets benefit, in reporting order.</summary>
    public static readonly IReadOnlyList<string> Agencies = ["nhs", "council", "schools"];

    private const string FileName = "cost-benefit.v1.json";

    // Describe the file rather than the model: they are a practitioner's record of where the numbers came from.
    private static readonly HashSet<string> NotOverridable = ["version", "notes", "source", "calibration", "scenarios"];

    // Objects keyed by id, where an override may add (or with null remove) entries; everywhere else a key must already exist.
    private static readonly string[] KeyedCollections = ["unitCosts", "phases", "phases.*.avoidedPerYear"];

    /// <summary>The assumptions shipped with the library.</summary>
    public static CostBenefitAssumptions LoadDefault()
    {
        using var stream = DataFile.OpenEmbedded(FileName);
        return Load(stream);
    }

    /// <summary>Assumptions from a stream; checked, scenarios included.</summary>
    /// <exception cref="CostBenefitValidationException">The assumptions or a scenario are invalid.</exception>
    public static CostBenefitAssumptions Load(Stream stream) => DataFile.Read<CostBenefitAssumptions>(stream, FileName).Checked();

    /// <summary>Assumptions from a file path.</summary>
    /// <exception cref="CostBenefitValidationException">The assumptions or a scenario are invalid.</exception>
    public static CostBenefitAssumptions LoadFile(string path) => DataFile.ReadFile<CostBenefitAssumptions>(path, path).Checked();

    /// <summary>
    /// The assumptions as JSON in the data file's own shape (camelCase, every field, scenarios and calibration included), so a
    /// field read here is the path an override names.
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(this, DataFile.Options);

    /// <summary>
    /// A copy with the named scenario's overrides applied.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No scenario of that name.</exception>
    public CostBenefitAssumptions ForScenario(string scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return Scenarios.TryGetValue(scenario, out var s)
            ? WithOverrides(s.Overrides)
            : throw new KeyNotFoundException($"No scenario '{scenario}' in {Version}; known: {string.Join(", ", Scenarios.Keys)}.");
    }

    /// <summary>
    /// A copy with a partial object of the same shape merged in: objects merge field by field, other values replace.
    /// Inside <c>unitCosts</c>, <c>phases</c> and <c>avoidedPerYear</c> a new key adds an entry and <c>null</c> removes one.
    /// </summary>
    /// <exception cref="CostBenefitValidationException">Unknown fields, wrong types or invalid values; every problem is listed.</exception>
    public CostBenefitAssumptions WithOverrides(JsonElement overrides)
    {
        var errors = new List<AssumptionError>();
        if (overrides.ValueKind != JsonValueKind.Object)
        {
            throw new CostBenefitValidationException([new AssumptionError("", "overrides must be a JSON object")]);
        }

        var patch = JsonNode.Parse(overrides.GetRawText())!.AsObject();
        foreach (var name in patch.Select(p => p.Key).Where(NotOverridable.Contains).ToList())
        {
            errors.Add(new AssumptionError(name, "cannot be overridden"));
            patch.Remove(name);
        }

        var merged = JsonSerializer.SerializeToNode(this, DataFile.Options)!.AsObject();
        Merge(merged, patch, "", errors);

        CostBenefitAssumptions result;
        try
        {
            result = merged.Deserialize<CostBenefitAssumptions>(DataFile.Options)!;
        }
        catch (JsonException ex)
        {
            throw new CostBenefitValidationException([.. errors, new AssumptionError(FieldOf(ex.Path), FirstSentence(ex.Message))]);
        }

        // Merge leaves out what it refused, so the rest still reads: its values are checked too, and one answer names every
        // wrong field, an unknown one beside an out-of-range one. Scenarios are already checked at load; checking them
        // again here would recurse.
        errors.AddRange(result.Problems().Where(p => !errors.Any(e => e.Field == p.Field)));
        return errors.Count == 0 ? result : throw new CostBenefitValidationException(errors);
    }

    private CostBenefitAssumptions Checked()
    {
        var errors = Problems().ToList();
        if (!Scenarios.ContainsKey("default"))
        {
            errors.Add(new AssumptionError("scenarios", "a 'default' scenario is required"));
        }

        if (errors.Count == 0)
        {
            foreach (var (name, scenario) in Scenarios)
            {
                try
                {
                    WithOverrides(scenario.Overrides);
                }
                catch (CostBenefitValidationException ex)
                {
                    errors.AddRange(ex.Errors.Select(e => e with { Field = $"scenarios.{name}.overrides.{e.Field}" }));
                }
            }
        }

        return errors.Count == 0 ? this : throw new CostBenefitValidationException(errors);
    }

    /// <summary>Everything wrong with the values (the shape is the deserializer's job).</summary>
    internal IReadOnlyList<AssumptionError> Problems()
    {
        var errors = new List<AssumptionError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new AssumptionError(field, message));
            }
        }

        Check(HorizonYears is >= 1 and <= 75, "horizonYears", "must be between 1 and 75 (the Green Book's discount schedule ends at year 75)");
        Check(OptimismBias.Rate is >= 0 and <= 3, "optimismBias.rate", "must be between 0 and 3 (0% to 300% added to costs)");
        Check(Deadweight.Rate is >= 0 and <= 1, "deadweight.rate", "must be between 0 and 1");
        Check(BenefitScale.Factor >= 0, "benefitScale.factor", "cannot be negative");
        Check(Costs.SetUp >= 0, "costs.setUp", "cannot be negative");
        Check(Costs.AnnualRunning >= 0, "costs.annualRunning", "cannot be negative");
        foreach (var (level, weight) in WardShares?.NeedWeights ?? new Dictionary<string, decimal>())
        {
            Check(weight >= 0, $"wardShares.needWeights.{level}", "cannot be negative");
        }

        var expectedFrom = 0;
        for (var i = 0; i < DiscountRates.Bands.Count; i++)
        {
            var band = DiscountRates.Bands[i];
            var field = $"discountRates.bands[{i}]";
            Check(band.FromYear == expectedFrom, field + ".fromYear", $"must be {expectedFrom} so the bands run on from year 0 without gaps");
            Check(band.ToYear >= band.FromYear, field + ".toYear", "must not be before fromYear");
            Check(band.Rate is >= 0 and < 1, field + ".rate", "must be at least 0 and below 1 (a fraction: 0.035 is 3.5%)");
            expectedFrom = band.ToYear + 1;
        }

        Check(expectedFrom > HorizonYears, "discountRates.bands", $"must cover every year up to the horizon ({HorizonYears})");

        foreach (var (id, item) in UnitCosts)
        {
            Check(Agencies.Contains(item.Agency), $"unitCosts.{id}.agency", $"must be one of {string.Join(", ", Agencies)}");
            Check(item.UnitCost >= 0, $"unitCosts.{id}.unitCost", "cannot be negative");
        }

        foreach (var (id, phase) in Phases)
        {
            Check(phase.FromYear >= 1, $"phases.{id}.fromYear", "must be 1 or later (year 0 is set-up)");
            Check(phase.ToYear is null || phase.ToYear >= phase.FromYear, $"phases.{id}.toYear", "must not be before fromYear");
            foreach (var line in phase.AvoidedPerYear.Keys.Where(k => !UnitCosts.ContainsKey(k)))
            {
                errors.Add(new AssumptionError($"phases.{id}.avoidedPerYear.{line}", "is not a unit cost in unitCosts"));
            }
        }

        for (var year = 1; year <= Math.Min(HorizonYears, 75); year++)
        {
            var covering = Phases.Where(p => p.Value.Covers(year)).Select(p => p.Key).ToList();
            if (covering.Count != 1)
            {
                errors.Add(new AssumptionError("phases", covering.Count == 0
                    ? $"year {year} is in no phase"
                    : $"year {year} is in more than one phase ({string.Join(", ", covering)})"));
                break;
            }
        }

        return errors;
    }

    /// <summary>The phase covering a running year (1 to the horizon).</summary>
    internal BenefitPhase PhaseFor(int year) => Phases.Values.Single(p => p.Covers(year));

    private static void Merge(JsonObject target, JsonObject patch, string path, List<AssumptionError> errors)
    {
        var keyed = IsKeyedCollection(path);
        foreach (var (name, value) in patch.ToList())
        {
            var field = path.Length == 0 ? name : $"{path}.{name}";
            if (!target.TryGetPropertyValue(name, out var existing))
            {
                if (!keyed)
                {
                    errors.Add(new AssumptionError(field, "unknown field"));
                }
                else if (value is not null)
                {
                    target[name] = value.DeepClone();
                }

                continue;
            }

            if (keyed && value is null)
            {
                target.Remove(name);
                continue;
            }

            switch (existing)
            {
                case JsonObject existingObject when value is JsonObject patchObject:
                    Merge(existingObject, patchObject, field, errors);
                    break;
                case JsonObject:
                    errors.Add(new AssumptionError(field, "expected an object"));
                    break;
                case JsonArray when value is not JsonArray:
                    errors.Add(new AssumptionError(field, "expected an array"));
                    break;
                case JsonValue existingValue when existingValue.GetValueKind() == JsonValueKind.Number && DecimalText(value) is { } exact:
                    // A number written as a decimal string: gRPC's Struct carries numbers as doubles, which hold about 15
                    // significant digits, so a caller needing more sends the digits (as google.type.Decimal does).
                    target[name] = JsonValue.Create(exact);
                    break;
                case JsonValue existingValue when value is not null && value.GetValueKind() != existingValue.GetValueKind()
                    && !(IsBoolean(existingValue) && IsBoolean(value)):
                    errors.Add(new AssumptionError(field, $"expected a {Describe(existingValue.GetValueKind())}"));
                    break;
                default:
                    target[name] = value?.DeepClone();
                    break;
            }
        }
    }

    /// <summary>The decimal a JSON string spells in invariant notation (<c>"0.1"</c>, <c>"-2.5e3"</c>), or null.</summary>
    private static decimal? DecimalText(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && decimal.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    private static bool IsBoolean(JsonNode node) => node.GetValueKind() is JsonValueKind.True or JsonValueKind.False;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "number",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static bool IsKeyedCollection(string path)
    {
        var parts = path.Split('.');
        return KeyedCollections.Any(pattern =>
        {
            var p = pattern.Split('.');
            return p.Length == parts.Length && p.Zip(parts).All(x => x.First == "*" || x.First == x.Second);
        });
    }

    private static string FieldOf(string? jsonPath) =>
        (jsonPath ?? "").TrimStart('$').TrimStart('.').Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal);

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>How the defaults were calibrated to the pilot's business case, and which output line was compared.</summary>
public sealed record Calibration(string ComparedLine, decimal Tolerance, IReadOnlyList<CalibrationTarget> Targets, string Notes);

/// <summary>A yearly figure the default assumptions must reproduce for every year in the range.</summary>
public sealed record CalibrationTarget(int FromYear, int? ToYear, decimal NetSaving);

/// <summary>Discount rates by band of years.</summary>
public sealed record DiscountSchedule(IReadOnlyList<DiscountRateBand> Bands, string? Source = null, string? Notes = null)
{
    /// <summary>Discount factor for a year: the product of 1 / (1 + rate) over years 1 to <paramref name="year"/>, each at its band's rate.</summary>
    public decimal FactorFor(int year)
    {
        var factor = 1m;
        for (var y = 1; y <= year; y++)
        {
            factor /= 1 + Bands.First(b => y >= b.FromYear && y <= b.ToYear).Rate;
        }

        return factor;
    }
}

/// <summary>Years <see cref="FromYear"/> to <see cref="ToYear"/> (inclusive) are discounted at <see cref="Rate"/> (0.035 = 3.5%).</summary>
public sealed record DiscountRateBand(int FromYear, int ToYear, decimal Rate);

/// <summary>A rate as a fraction (0.2 = 20%) with where it came from.</summary>
public sealed record RateAssumption(decimal Rate, string? Source = null, string? Notes = null);

/// <summary>A multiplier on every avoided unit (1.0 = as planned).</summary>
public sealed record ScaleAssumption(decimal Factor, string? Notes = null);

/// <summary>The model's own cost, over and above the services' existing budgets: set-up in year 0, running from year 1.</summary>
public sealed record ProgrammeCosts(decimal SetUp, decimal AnnualRunning, string? Source = null, string? Notes = null);

/// <summary>A unit cost from a published database, and the agency whose budget pays it.</summary>
public sealed record UnitCostItem(string Name, string Agency, string Unit, decimal UnitCost, string Source, string? Notes = null);

/// <summary>Years <see cref="FromYear"/> to <see cref="ToYear"/> (null = to the horizon) and the units avoided each year.</summary>
public sealed record BenefitPhase(int FromYear, int? ToYear, IReadOnlyDictionary<string, decimal> AvoidedPerYear, string? Notes = null)
{
    internal bool Covers(int year) => year >= FromYear && (ToYear is null || year <= ToYear);
}

/// <summary>
/// How an area's projection is shared between its wards. Benefits follow each ward's children reached weighted by their
/// need: a ward's benefit weight is its children reached x the average of <see cref="NeedWeights"/> over its children by
/// suggested service level. Costs follow the ward's share of the area's configured service budgets. Both shares add up to 1
/// over the area's wards, so the wards' savings add up to the area's.
/// </summary>
/// <param name="NeedWeights">Weight per suggested service level (<c>universal</c>, <c>universal-plus</c>, <c>universal-partnership-plus</c>).</param>
public sealed record WardShares(IReadOnlyDictionary<string, decimal> NeedWeights, string? Notes = null);

/// <summary>A named set of overrides.</summary>
public sealed record Scenario(string Notes, JsonElement Overrides);

/// <summary>One problem with an assumption: <see cref="Field"/> is a dotted path such as <c>deadweight.rate</c>.</summary>
public sealed record AssumptionError(string Field, string Message);

/// <summary>Assumptions (from a file, a scenario or a posted override) that cannot be used; lists every problem found.</summary>
public sealed class CostBenefitValidationException : Exception
{
    /// <summary>Creates the exception from its errors.</summary>
    public CostBenefitValidationException(IReadOnlyList<AssumptionError> errors)
        : base("Invalid cost-benefit assumptions: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
    {
        Errors = errors;
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<AssumptionError> Errors { get; }
}
