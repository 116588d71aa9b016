using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Domain.Events;

/// <summary>
/// The journal's storage form: the wire object exactly as the catalogue defines it, plus
/// <c>recordedBy</c>, a level decision's <c>practitioner</c> and <c>practitionerName</c>, and <c>receivedAt</c>. Property order is fixed, so equal events
/// give equal text.
/// </summary>
public static class ContactEventJson
{
    // Every recorded event is written once to the journal: source-generated metadata for the data types
    // (the same web defaults and converters) saves the reflection-driven path on that hot write.
    private static readonly JsonSerializerOptions DataOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
            EventDataJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
    };

    /// <summary>
    /// The event as the journal stores it, in UTF-8: it waits in the journal's queue until its commit, and the
    /// stores take UTF-8 as it is, so a string would only be encoded twice and hold twice the bytes meanwhile.
    /// </summary>
    public static byte[] Serialize(ContactEvent contactEvent)
    {
        ArgumentNullException.ThrowIfNull(contactEvent);
        var (buffer, writer) = PerThread ??= NewWriter();
        try
        {
            Write(writer, contactEvent);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // Reset whatever happened: a half-written event must not leak into the next one.
            writer.Reset();
            buffer.ResetWrittenCount();
        }
    }

    // Every journalled event is serialised once. A buffer and writer kept per thread (writing is synchronous
    // and never re-enters) spare the growing buffers a fresh stream allocates each time: the only allocation
    // left is the payload itself.
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? PerThread;

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewWriter()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        return (buffer, new Utf8JsonWriter(buffer));
    }

    public static void Write(Utf8JsonWriter writer, ContactEvent contactEvent)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(contactEvent);
        writer.WriteStartObject();
        writer.WriteString("eventId", contactEvent.EventId);
        writer.WriteString("type", contactEvent.Type);
        writer.WriteString("occurredAt", contactEvent.OccurredAt);
        if (contactEvent.FamilyId is not null)
        {
            writer.WriteString("familyId", contactEvent.FamilyId);
        }

        if (contactEvent.ChildId is not null)
        {
            writer.WriteString("childId", contactEvent.ChildId);
        }

        writer.WritePropertyName("data");

        // Serialised as its own type, the data carries no discriminator: the wire form has "type" above.
        JsonSerializer.Serialize(writer, contactEvent.Data, contactEvent.Data.GetType(), DataOptions);
        writer.WriteString("recordedBy", contactEvent.RecordedBy);
        if (contactEvent.Practitioner is not null)
        {
            writer.WriteString("practitioner", contactEvent.Practitioner);
        }

        if (contactEvent.PractitionerName is not null)
        {
            writer.WriteString("practitionerName", contactEvent.PractitionerName);
        }

        writer.WriteString("receivedAt", contactEvent.ReceivedAt);
        writer.WriteEndObject();
    }

    /// <summary>Reads an event the journal stored; the input is trusted, so a problem is corruption and throws.</summary>
    /// <exception cref="FormatException">The payload is not a stored contact event.</exception>
    public static ContactEvent Deserialize(byte[] utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var document = JsonDocument.Parse(utf8Json);
        return Read(document.RootElement);
    }

    /// <inheritdoc cref="Deserialize(byte[])"/>
    public static ContactEvent Read(JsonElement stored)
    {
        var result = EventCatalogue.ReadStored(stored);
        return result.Event ?? throw new FormatException(
            "Not a stored contact event: " + string.Join("; ", result.Errors.Select(e => $"{e.Field} {e.Message}")));
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FamilyRegistered))]
[JsonSerializable(typeof(FamilyDetailsChanged))]
[JsonSerializable(typeof(PregnancyBooked))]
[JsonSerializable(typeof(BirthNotified))]
[JsonSerializable(typeof(ReviewCompleted))]
[JsonSerializable(typeof(AppointmentMissed))]
[JsonSerializable(typeof(CentreRegistered))]
[JsonSerializable(typeof(SessionAttended))]
[JsonSerializable(typeof(ChampionOutreach))]
[JsonSerializable(typeof(SurveyCompleted))]
[JsonSerializable(typeof(ReferralMade))]
[JsonSerializable(typeof(ReferralAccepted))]
[JsonSerializable(typeof(ReferralDeclined))]
[JsonSerializable(typeof(AeAttendance))]
[JsonSerializable(typeof(ImmunisationGiven))]
[JsonSerializable(typeof(ImmunisationMissed))]
[JsonSerializable(typeof(ConcernRaised))]
[JsonSerializable(typeof(ConcernResolved))]
[JsonSerializable(typeof(ServiceLevelSet))]
[JsonSerializable(typeof(DropInHosted))]
[JsonSerializable(typeof(System.Collections.Immutable.ImmutableArray<FamilyMember>))]
internal sealed partial class EventDataJsonContext : JsonSerializerContext;
