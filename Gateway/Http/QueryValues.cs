using System.Globalization;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Http;

/// <summary>Query-string values parsed by hand, so a bad one is reported as a field error like any other.</summary>
public static class QueryValues
{
    public static int? Int(string? text, string field, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new FieldProblem(field, "must be a whole number"));
        return null;
    }

    public static bool? Bool(string? text, string field, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add(new FieldProblem(field, "must be true or false"));
        return null;
    }

    /// <summary>An instant written with its date, time and offset, as the API writes instants; nothing looser (see <see cref="WireInstant"/>).</summary>
    public static DateTimeOffset? InstantWithOffset(string? text, string field, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (WireInstant.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add(new FieldProblem(field, WireInstant.Expected + " (in a query string, write a + offset as %2B)"));
        return null;
    }

    public static DateTimeOffset? Instant(string? text, string field, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        errors.Add(new FieldProblem(field, "must be an ISO 8601 date or instant, e.g. 2026-11-20T10:15:00Z"));
        return null;
    }
}
