using System.Text.Json;

namespace QpActors.Domain;

/// <summary>Small checks shared by the data-file loaders; each adds a "path: problem" line instead of throwing.</summary>
internal static class DataFileRead
{
    public static string? RequiredString(JsonElement obj, string name, string path, List<string> problems)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Trim().Length == 0)
        {
            problems.Add($"{path}: required non-empty string");
            return null;
        }

        return value.GetString();
    }

    public static int? OptionalInt(JsonElement obj, string name, string path, List<string> problems)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            problems.Add($"{path}.{name}: must be a whole number");
            return null;
        }

        return number;
    }

    public static double? OptionalNumber(JsonElement obj, string name, string path, List<string> problems)
    {
        if (!obj.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !double.IsFinite(value.GetDouble()))
        {
            problems.Add($"{path}: must be a number");
            return null;
        }

        return value.GetDouble();
    }

    public static double? RequiredNumber(JsonElement obj, string name, string path, double min, double max, List<string> problems)
    {
        if (!obj.TryGetProperty(name, out _))
        {
            problems.Add($"{path}: required number");
            return null;
        }

        var number = OptionalNumber(obj, name, path, problems);
        if (number is { } n && (n < min || n > max))
        {
            problems.Add($"{path}: must be between {min} and {max}");
            return null;
        }

        return number;
    }

    public static void RejectUnknown(JsonElement obj, string path, IReadOnlyCollection<string> known, List<string> problems)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                problems.Add($"{path}.{property.Name}: unknown field");
            }
        }
    }
}
