using System.Globalization;

namespace QpActors.Persistence;

/// <summary>
/// One rule for time in both stores: UTC, truncated to microseconds (PostgreSQL's
/// precision). SQLite keeps it as fixed-width text so text order is time order.
/// </summary>
internal static class JournalTime
{
    private const string TextFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static DateTime ToUtc(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTime(ticks - (ticks % 10), DateTimeKind.Utc);
    }

    public static string ToText(DateTimeOffset value) =>
        ToUtc(value).ToString(TextFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset FromText(string text) =>
        new(DateTime.ParseExact(text, TextFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    public static DateTimeOffset FromUtc(DateTime value) =>
        new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);
}
