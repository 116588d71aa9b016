using System.Globalization;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Http;

/// <summary>Query-string values parsed by hand, so a bad one is reported as a field error like any other.</summary>
public static class QueryValues
{
    public static int? Int(string? text, string field, List<FieldProblem> errors) =>
        Read<int>(text, field, errors, "must be a whole number",
            (string value, out int parsed) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out parsed));

    public static bool? Bool(string? text, string field, List<FieldProblem> errors) =>
        Read<bool>(text, field, errors, "must be true or false", bool.TryParse);

    /// <summary>An instant written with its date, time and offset, as the API writes instants; nothing looser (see <see cref="WireInstant"/>).</summary>
    public static DateTimeOffset? InstantWithOffset(string? text, string field, List<FieldProblem> errors) =>
        Read<DateTimeOffset>(text, field, errors, WireInstant.Expected + " (in a query string, write a + offset as %2B)", WireInstant.TryParse);

    public static DateTimeOffset? Instant(string? text, string field, List<FieldProblem> errors) =>
        Read<DateTimeOffset>(text, field, errors, "must be an ISO 8601 date or instant, e.g. 2026-11-20T10:15:00Z",
            (string value, out DateTimeOffset parsed) => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out parsed));

    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>Null when the value was not given; the value when it parses; otherwise null and a field error saying what it must be.</summary>
    private static T? Read<T>(string? text, string field, List<FieldProblem> errors, string mustBe, TryParse<T> parse)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (parse(text, out var value))
        {
            return value;
        }

        errors.Add(new FieldProblem(field, mustBe));
        return null;
    }
}
