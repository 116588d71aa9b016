using System.Globalization;
using System.Text.Json;
using Google.Protobuf;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Compares an HTTP JSON answer with the gRPC message answering the same request, through the message's JSON form: proto3's
/// JSON mapping names fields in lowerCamelCase, as the HTTP API does, so the same information under the same names reads the
/// same. A field absent or null on one side must be absent, null or the default on the other: proto3 cannot send a null
/// and writes every default here, and HTTP leaves some empty fields out. Instants compare as instants (HTTP writes an
/// offset, protobuf UTC with a Z), calendar dates as dates (HTTP writes "yyyy-MM-dd", google.type.Date an object of year,
/// month and day), and 64-bit integers as numbers (protobuf's JSON writes them as strings).
/// </summary>
public static class SameOnBothTransports
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <param name="valuesNotCompared">Fields whose names must match but whose values may differ (the instant of each read).</param>
    public static void AssertSame(JsonElement http, IMessage grpc, params string[] valuesNotCompared)
    {
        ArgumentNullException.ThrowIfNull(grpc);
        using var document = JsonDocument.Parse(Formatter.Format(grpc));
        Compare(http, document.RootElement, "$", valuesNotCompared);
    }

    private static void Compare(JsonElement http, JsonElement grpc, string path, string[] valuesNotCompared)
    {
        switch (http.ValueKind, grpc.ValueKind)
        {
            case (JsonValueKind.Object, JsonValueKind.Object):
                var names = http.EnumerateObject().Select(p => p.Name).Union(grpc.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
                foreach (var name in names)
                {
                    var over = path + "." + name;
                    var fromHttp = Present(http, name);
                    var fromGrpc = Present(grpc, name);
                    if (fromHttp is null || fromGrpc is null)
                    {
                        Assert.True(IsEmpty(fromHttp) && IsEmpty(fromGrpc), $"{over}: HTTP has {Describe(fromHttp)}, gRPC has {Describe(fromGrpc)}");
                    }
                    else if (!valuesNotCompared.Contains(name, StringComparer.Ordinal))
                    {
                        Compare(fromHttp.Value, fromGrpc.Value, over, valuesNotCompared);
                    }
                }

                break;

            case (JsonValueKind.Array, JsonValueKind.Array):
                Assert.True(http.GetArrayLength() == grpc.GetArrayLength(), $"{path}: HTTP has {http.GetArrayLength()} items, gRPC {grpc.GetArrayLength()}");
                foreach (var (item, index) in http.EnumerateArray().Zip(grpc.EnumerateArray()).Select((pair, i) => (pair, i)))
                {
                    Compare(item.First, item.Second, $"{path}[{index}]", valuesNotCompared);
                }

                break;

            case (JsonValueKind.Number, JsonValueKind.Number):
                Assert.True(http.GetDouble() == grpc.GetDouble(), $"{path}: HTTP {http.GetRawText()}, gRPC {grpc.GetRawText()}");
                break;

            case (JsonValueKind.Number, JsonValueKind.String):
                Assert.True(http.GetDouble() == double.Parse(grpc.GetString()!, CultureInfo.InvariantCulture), $"{path}: HTTP {http.GetRawText()}, gRPC {grpc.GetRawText()}");
                break;

            case (JsonValueKind.String, JsonValueKind.Object):
                // A calendar date: "yyyy-MM-dd" over HTTP, google.type.Date's {year, month, day} over gRPC.
                Assert.True(SameDate(http.GetString()!, grpc), $"{path}: HTTP {http.GetRawText()}, gRPC {grpc.GetRawText()}");
                break;

            case (JsonValueKind.String, JsonValueKind.String):
                var text = http.GetString()!;
                var other = grpc.GetString()!;
                Assert.True(text == other || SameInstant(text, other), $"{path}: HTTP \"{text}\", gRPC \"{other}\"");
                break;

            default:
                Assert.True(http.ValueKind == grpc.ValueKind, $"{path}: HTTP {http.ValueKind}, gRPC {grpc.ValueKind}");
                break;
        }
    }

    private static JsonElement? Present(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static bool IsEmpty(JsonElement? value) => value is not { } present || present.ValueKind switch
    {
        JsonValueKind.Array => present.GetArrayLength() == 0,
        JsonValueKind.String => present.GetString()!.Length == 0,
        JsonValueKind.Number => present.GetDouble() == 0,
        JsonValueKind.False => true,
        _ => false,
    };

    private static string Describe(JsonElement? value) => value is { } present ? present.GetRawText() : "nothing";

    private static bool SameDate(string text, JsonElement date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
        && date.EnumerateObject().Count() == 3
        && date.TryGetProperty("year", out var year) && year.GetInt32() == day.Year
        && date.TryGetProperty("month", out var month) && month.GetInt32() == day.Month
        && date.TryGetProperty("day", out var dayOfMonth) && dayOfMonth.GetInt32() == day.Day;

    private static bool SameInstant(string text, string other) =>
        text.Contains('T', StringComparison.Ordinal)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
        && DateTimeOffset.TryParse(other, CultureInfo.InvariantCulture, DateTimeStyles.None, out var otherAt)
        && at == otherAt;
}
