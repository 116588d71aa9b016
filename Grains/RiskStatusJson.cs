using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// Writes a family's risk status as the body of <c>GET /v1/families/{id}/risk</c>: the gateway's
/// <c>RiskStatusResponse</c>, property for property, with the web defaults the HTTP API serialises with
/// (camelCase names, nulls written, ASP.NET Core's relaxed escaping of strings). Everything but <c>asOf</c> depends only on the status, so it is written
/// once per view (<see cref="Head"/>) and each read sends it followed by its own instant (<see cref="Tail"/>).
/// A gateway test holds the two byte for byte against the API's own serialiser.
/// </summary>
public static class RiskStatusJson
{
    // ASP.NET Core's HTTP JSON options escape only what JSON requires (not '&', '<' or non-ASCII letters).
    private static readonly JsonWriterOptions HeadOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonWriterOptions TailOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_tailBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_tailWriter;

    /// <summary>The body up to and including <c>version</c>, its object left open.</summary>
    public static byte[] Head(FamilyRiskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, HeadOptions))
        {
            var lists = RiskStatusJsonContext.Default;
            writer.WriteStartObject();
            writer.WriteString("familyId", status.FamilyId);
            writer.WriteString("wardCode", status.WardCode);
            writer.WriteNumber("score", status.Score);
            writer.WriteString("suggestedLevel", status.SuggestedLevel);
            writer.WriteString("setLevel", status.SetLevel?.Level);
            writer.WritePropertyName("setLevelDecision");
            JsonSerializer.Serialize(writer, status.SetLevel, lists.LevelDecision);
            writer.WritePropertyName("factors");
            JsonSerializer.Serialize(writer, status.Factors, lists.IReadOnlyListFactorView);
            writer.WritePropertyName("children");
            JsonSerializer.Serialize(writer, status.Children, lists.IReadOnlyListChildRiskView);
            writer.WritePropertyName("overdueReviews");
            JsonSerializer.Serialize(writer, status.OverdueReviews, lists.IReadOnlyListOverdueReviewView);
            writer.WritePropertyName("openConcerns");
            JsonSerializer.Serialize(writer, status.OpenConcerns, lists.IReadOnlyListConcernView);
            writer.WritePropertyName("history");
            JsonSerializer.Serialize(writer, status.History, lists.IReadOnlyListRiskChange);
            writer.WritePropertyName("recentEvents");
            JsonSerializer.Serialize(writer, status.RecentEvents, lists.IReadOnlyListHistoryEntry);
            writer.WritePropertyName("markedInError");
            JsonSerializer.Serialize(writer, status.MarkedInError ?? [], lists.IReadOnlyListMarkedInErrorView);
            writer.WriteString("rulesVersion", status.RulesVersion);
            writer.WriteNumber("version", status.Version);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// What follows <see cref="Head"/> to make the whole body: <c>asOf</c> and <c>synthetic</c>, and the closing brace.
    /// Kept apart so that a read copies none of the head (about 9 KB for a family with some history).
    /// </summary>
    public static byte[] Tail(DateTimeOffset asOf, bool synthetic)
    {
        // Every read writes one: the buffer and the writer are kept per thread and reset, so a read allocates only its bytes.
        var buffer = t_tailBuffer ??= new ArrayBufferWriter<byte>(96);
        buffer.ResetWrittenCount();

        // A fresh writer does not know it is inside an object after a property: the separator is written
        // here, and validation is off so it accepts properties and the closing brace at its own top level.
        buffer.Write(","u8);
        var writer = t_tailWriter ??= new Utf8JsonWriter(buffer, TailOptions);
        writer.Reset(buffer);
        writer.WriteString("asOf", asOf);
        writer.WriteBoolean("synthetic", synthetic);
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LevelDecision))]
[JsonSerializable(typeof(IReadOnlyList<FactorView>))]
[JsonSerializable(typeof(IReadOnlyList<ChildRiskView>))]
[JsonSerializable(typeof(IReadOnlyList<OverdueReviewView>))]
[JsonSerializable(typeof(IReadOnlyList<ConcernView>))]
[JsonSerializable(typeof(IReadOnlyList<RiskChange>))]
[JsonSerializable(typeof(IReadOnlyList<HistoryEntry>))]
[JsonSerializable(typeof(IReadOnlyList<MarkedInErrorView>))]
internal sealed partial class RiskStatusJsonContext : JsonSerializerContext;
