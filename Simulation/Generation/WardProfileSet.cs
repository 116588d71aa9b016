using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QpActors.Simulation.Generation;

/// <summary>
/// The ward presets the generator knows, read from <c>ward-profiles.v1.json</c> (embedded by default, or a custom file).
/// Codes of the form <c>syn-ward-NNN</c> resolve to synthetic copies of the pilot ward, for scale runs over many wards.
/// </summary>
public sealed class WardProfileSet
{
    public const string ResourceName = "QpActors.Simulation.ward-profiles.v1.json";
    public const string SyntheticWardPrefix = "syn-ward-";
    private const string PilotWard = "queens-park";

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);
    private static readonly Lazy<WardProfileSet> Embedded = new(LoadEmbedded);

    private readonly Dictionary<string, WardProfile> _byCode;

    private WardProfileSet(int version, IReadOnlyList<WardProfile> wards)
    {
        Version = version;
        Wards = wards;
        _byCode = wards.ToDictionary(w => w.Code, StringComparer.Ordinal);
    }

    public int Version { get; }

    public IReadOnlyList<WardProfile> Wards { get; }

    public static WardProfileSet Default => Embedded.Value;

    public IEnumerable<string> Codes => Wards.Select(w => w.Code);

    public static WardProfileSet Load(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })?.AsObject()
            ?? throw new InvalidDataException("ward profiles: the file is empty");
        var version = root["version"]?.GetValue<int>() ?? throw new InvalidDataException("ward profiles: 'version' is required");
        var defaults = root["defaults"]?["rates"]?.AsObject() ?? [];
        var wards = root["wards"]?.AsArray() ?? throw new InvalidDataException("ward profiles: 'wards' is required");

        var profiles = new List<WardProfile>();
        foreach (var node in wards)
        {
            var ward = node?.AsObject().DeepClone().AsObject() ?? throw new InvalidDataException("ward profiles: a ward entry is null");
            // A ward's own rates replace single fields of the shared defaults.
            var rates = defaults.DeepClone().AsObject();
            if (ward["rates"] is JsonObject own)
            {
                foreach (var (key, value) in own)
                {
                    rates[key] = value?.DeepClone();
                }
            }

            ward["rates"] = rates;
            var profile = ward.Deserialize<WardProfile>(SerializerOptions)
                ?? throw new InvalidDataException("ward profiles: a ward entry is null");
            Validate(profile);
            profiles.Add(profile);
        }

        if (profiles.Count == 0)
        {
            throw new InvalidDataException("ward profiles: at least one ward is required");
        }

        return new WardProfileSet(version, profiles);
    }

    public static WardProfileSet LoadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    public bool IsKnown(string code) => _byCode.ContainsKey(code) || TryParseSyntheticWard(code, out _);

    /// <summary>The profile for a ward code; <c>syn-ward-NNN</c> gives a copy of the pilot ward with its own ids.</summary>
    public WardProfile Resolve(string code)
    {
        if (_byCode.TryGetValue(code, out var profile))
        {
            return profile;
        }

        if (TryParseSyntheticWard(code, out var number))
        {
            var template = _byCode.GetValueOrDefault(PilotWard) ?? Wards[0];
            var tag = number.ToString("D3", CultureInfo.InvariantCulture);
            return template with
            {
                Code = code,
                Name = $"Synthetic ward {tag}",
                IdPrefix = $"w{tag}",
                ChampionIdPrefix = $"w{tag}-",
                CentreId = $"{code}-cc",
            };
        }

        throw new ArgumentException($"unknown ward '{code}'; known: {string.Join(", ", Codes)} or {SyntheticWardPrefix}NNN", nameof(code));
    }

    /// <summary>
    /// A list of <paramref name="count"/> ward codes: the requested ones first, then the other presets,
    /// then synthetic copies of the pilot ward (for runs wider than north Westminster).
    /// </summary>
    public IReadOnlyList<string> Expand(IReadOnlyList<string> first, int count)
    {
        var result = new List<string>();
        foreach (var code in first.Concat(Codes))
        {
            if (result.Count >= count)
            {
                break;
            }

            if (!result.Contains(code, StringComparer.Ordinal))
            {
                result.Add(code);
            }
        }

        for (var n = 1; result.Count < count; n++)
        {
            result.Add(SyntheticWardPrefix + n.ToString("D3", CultureInfo.InvariantCulture));
        }

        return result;
    }

    private static bool TryParseSyntheticWard(string code, out int number)
    {
        number = 0;
        return code.StartsWith(SyntheticWardPrefix, StringComparison.Ordinal)
            && int.TryParse(code.AsSpan(SyntheticWardPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out number)
            && number is > 0 and < 100_000;
    }

    private static WardProfileSet LoadEmbedded()
    {
        using var stream = typeof(WardProfileSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        return Load(stream);
    }

    private static void Validate(WardProfile profile)
    {
        void Share(double value, string name)
        {
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                throw new InvalidDataException($"ward profiles: {profile.Code}.{name} must be between 0 and 1");
            }
        }

        if (!ContactIds.IsValid(profile.Code) || !ContactIds.IsValid(profile.IdPrefix))
        {
            throw new InvalidDataException($"ward profiles: '{profile.Code}' has an invalid code or idPrefix");
        }

        if (profile.BirthsPerYear <= 0)
        {
            throw new InvalidDataException($"ward profiles: {profile.Code}.birthsPerYear must be positive");
        }

        if (profile.CommunityChampions < 1 || profile.MaternityChampions < 1)
        {
            throw new InvalidDataException($"ward profiles: {profile.Code} needs at least one community and one maternity champion");
        }

        Share(profile.SocialHousingShare, "socialHousingShare");
        Share(profile.CentreRegistrationShare, "centreRegistrationShare");
        foreach (var property in typeof(CareRates).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.PropertyType == typeof(double) && property.Name.EndsWith("Share", StringComparison.Ordinal))
            {
                Share((double)property.GetValue(profile.Rates)!, property.Name);
            }
        }

        foreach (var (concern, share) in profile.Rates.ConcernShares)
        {
            if (!WireVocabulary.Concerns.Contains(concern))
            {
                throw new InvalidDataException($"ward profiles: {profile.Code} names unknown concern '{concern}'");
            }

            Share(share, concern);
        }

        foreach (var housing in profile.Rates.OtherHousingMix.Keys)
        {
            if (!WireVocabulary.Housing.Contains(housing))
            {
                throw new InvalidDataException($"ward profiles: {profile.Code} names unknown housing '{housing}'");
            }
        }
    }
}
