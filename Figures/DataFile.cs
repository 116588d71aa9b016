using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Figures;

/// <summary>Reads the versioned JSON data files that ship embedded in this assembly (and beside it in Data/).</summary>
internal static class DataFile
{
    /// <summary>
    /// Strict on purpose: a misspelt field in a practitioner-edited file must fail loudly rather than
    /// silently fall back to a default.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    public static Stream OpenEmbedded(string fileName)
    {
        var name = "QpActors.Figures.Data." + fileName;
        return typeof(DataFile).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded data file '{name}' is missing from the assembly.");
    }

    public static T Read<T>(Stream stream, string what)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return JsonSerializer.Deserialize<T>(stream, Options)
                ?? throw new InvalidDataException($"{what}: the file is empty (null).");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{what}: {ex.Message}", ex);
        }
    }

    public static T ReadFile<T>(string path, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Read<T>(stream, what);
    }
}
