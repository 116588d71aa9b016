using System.Text.Json.Nodes;

namespace QpActors.Simulation.Generation;

/// <summary>
/// One send of a synthetic contact event as a phone would make it: the wire JSON, who records it
/// (the caller identity, never part of the body), when it happened and when it reached the network.
/// </summary>
public sealed record GeneratedContact(
    string RecordedBy,
    string WireJson,
    string EventId,
    DateTimeOffset OccurredAt,
    DateTimeOffset SentAt,
    bool IsDuplicateSend,
    string Type)
{
    public JsonObject ToJsonObject() => JsonNode.Parse(WireJson)!.AsObject();
}
