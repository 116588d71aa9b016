using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QpActors.Domain.Events;

/// <summary>
/// Reads the fields of one JSON object, collecting every problem instead of stopping at the first,
/// and remembers which fields it read so unknown ones can be reported.
/// </summary>
internal sealed partial class FieldReader
{
    private static readonly DateOnly EarliestDate = new(2000, 1, 1);
    private static readonly DateOnly LatestDate = new(2099, 12, 31);

    private readonly JsonElement element;
    private readonly string prefix;
    private readonly List<FieldError> errors;
    private readonly int errorsAtStart;

    // The names asked for, in the order first asked. An event object has a dozen fields at most, so a list
    // searched in order costs less than a hash set, and the names are the catalogue's own literals.
    private readonly List<string> read = new(8);

    public FieldReader(JsonElement element, string path, List<FieldError> errors)
    {
        this.element = element;
        prefix = path.Length == 0 ? string.Empty : path + ".";
        this.errors = errors;
        errorsAtStart = errors.Count;
    }

    /// <summary>True while nothing read through this reader (or readers nested in it) was wrong.</summary>
    public bool Ok => errors.Count == errorsAtStart;

    public List<FieldError> Errors => errors;

    public string PathOf(string name) => prefix + name;

    public FieldReader Nested(JsonElement value, string name) => new(value, PathOf(name), errors);

    public void Error(string name, string message) => errors.Add(new FieldError(PathOf(name), message));

    /// <summary>Marks a field as known without reading it; JSON null counts as absent.</summary>
    public bool TryGet(string name, out JsonElement value)
    {
        if (!read.Contains(name))
        {
            read.Add(name);
        }

        if (element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public bool Has(string name) => TryGet(name, out _);

    public string? String(string name, bool required, Func<string, string?> check)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, "must be a string");
            return null;
        }

        var text = value.GetString()!;
        var problem = check(text);
        if (problem is not null)
        {
            Error(name, problem);
            return null;
        }

        return text;
    }

    /// <summary>Identifiers chosen by clients: 1-128 of <c>[A-Za-z0-9._:-]</c>.</summary>
    public string? Id(string name, bool required) => String(name, required, CheckId);

    /// <summary>Configured codes such as service, session and ward ids: lower-case kebab-case.</summary>
    public string? Code(string name, bool required) =>
        String(name, required, CheckCode) is { } code ? SharedCodes.Share(code) : null;

    public string? Text(string name, bool required, int minLength, int maxLength) =>
        String(name, required, text =>
        {
            var length = text.Trim().Length;
            return length < minLength || text.Length > maxLength
                ? $"must be {minLength}-{maxLength} characters"
                : text.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t')
                    ? "must not contain control characters"
                    : null;
        });

    public DateOnly? Date(string name, bool required)
    {
        var text = String(name, required, t => DatePattern().IsMatch(t) ? null : "must be a date in the form yyyy-MM-dd");
        if (text is null)
        {
            return null;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            Error(name, "is not a calendar date");
            return null;
        }

        if (date < EarliestDate || date > LatestDate)
        {
            Error(name, $"must be between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}");
            return null;
        }

        return date;
    }

    /// <summary>An ISO 8601 instant that states its offset; a local time without one is ambiguous.</summary>
    public DateTimeOffset? Instant(string name, bool required)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, "must be a string");
            return null;
        }

        if (!WireInstant.HasInstantForm(value.GetString()!) || !value.TryGetDateTimeOffset(out var instant))
        {
            Error(name, WireInstant.Expected);
            return null;
        }

        return instant;
    }

    public int? Int(string name, bool required, int min, int max)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Error(name, "must be a whole number");
            return null;
        }

        if (number < min || number > max)
        {
            Error(name, max == int.MaxValue ? $"must be at least {min}" : $"must be {min}-{max}");
            return null;
        }

        return number;
    }

    public bool? Bool(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error(name, "must be true or false");
            return null;
        }

        return value.GetBoolean();
    }

    public T? Enum<T>(string name, bool required)
        where T : struct, System.Enum
    {
        var text = String(name, required, t => WireName.TryParse<T>(t, out _)
            ? null
            : $"must be one of {string.Join(", ", WireName.All<T>())}");
        return text is null ? null : WireName.Parse<T>(text);
    }

    /// <summary>A nested object's reader, or null (with an error if it was required or not an object).</summary>
    public FieldReader? Object(string name, bool required)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(name, "must be an object");
            return null;
        }

        return new FieldReader(value, PathOf(name), errors);
    }

    /// <summary>Reports fields nobody asked for, and fields given twice.</summary>
    /// <remarks>
    /// Every object a client posts passes through here, so the usual case allocates nothing: each property is
    /// matched against the names asked for by its UTF-8 bytes, and a property's name becomes a string only when
    /// it is unknown (for its error).
    /// </remarks>
    public void RejectUnknown(Func<string, string> unknownMessage)
    {
        Span<bool> present = read.Count <= 64 ? stackalloc bool[read.Count] : new bool[read.Count];
        HashSet<string>? unknownSeen = null;
        foreach (var property in element.EnumerateObject())
        {
            var known = IndexOfRead(property);
            if (known >= 0)
            {
                if (present[known])
                {
                    Error(read[known], "appears more than once");
                }

                present[known] = true;
            }
            else if (!(unknownSeen ??= new HashSet<string>(StringComparer.Ordinal)).Add(property.Name))
            {
                Error(property.Name, "appears more than once");
            }
            else
            {
                Error(property.Name, unknownMessage(property.Name));
            }
        }
    }

    private int IndexOfRead(JsonProperty property)
    {
        for (var i = 0; i < read.Count; i++)
        {
            if (property.NameEquals(read[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The properties of this object, for maps keyed by data (e.g. service id to score).</summary>
    public IEnumerable<JsonProperty> Properties() => element.EnumerateObject();

    public static string? CheckId(string text) =>
        IdPattern().IsMatch(text) ? null : "must be 1-128 characters of A-Z a-z 0-9 . _ : -";

    public static string? CheckCode(string text) =>
        text.Length <= 64 && CodePattern().IsMatch(text) ? null : "must be a lower-case kebab-case code of up to 64 characters";

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*\z")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}\z")]
    private static partial Regex DatePattern();
}
