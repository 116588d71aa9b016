using System.Globalization;
using System.Text.RegularExpressions;

namespace QpActors.Domain.Events;

/// <summary>
/// An instant as the API takes one: ISO 8601 with the date, the time and an offset (<c>2026-11-20T10:15:00Z</c>,
/// <c>2026-11-20T11:15:00+01:00</c>). A date alone, or a time without an offset, is refused rather than guessed: it would
/// name a different instant in every time zone.
/// </summary>
public static partial class WireInstant
{
    /// <summary>What a field error says of a value that is not such an instant.</summary>
    public const string Expected = "must be an ISO 8601 date and time with an offset, e.g. 2026-11-20T10:15:00Z";

    /// <summary>True when <paramref name="text"/> is written as an instant with an offset (the value itself is not checked).</summary>
    public static bool HasInstantForm(string text) => InstantPattern().IsMatch(text);

    /// <summary>Reads <paramref name="text"/> as an instant with an offset, keeping the offset as written.</summary>
    public static bool TryParse(string? text, out DateTimeOffset instant)
    {
        instant = default;
        return text is not null &&
            HasInstantForm(text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})\z")]
    private static partial Regex InstantPattern();
}
