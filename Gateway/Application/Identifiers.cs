using System.Text.RegularExpressions;

namespace QpActors.Gateway.Application;

/// <summary>Checks on ids and codes that arrive in paths and query strings (the event body is checked by the catalogue).</summary>
public static partial class Identifiers
{
    /// <summary>A family or child id: the same alphabet as the contact-event wire format.</summary>
    public static bool IsId(string? text) => text is not null && IdPattern().IsMatch(text);

    /// <summary>A ward, area or service code: lower-case kebab-case.</summary>
    public static bool IsCode(string? text) => text is { Length: <= 64 } && CodePattern().IsMatch(text);

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*\z")]
    private static partial Regex CodePattern();
}
