using System.Text.Json;
using Orleans.Serialization;

namespace QpActors.Grains.Interfaces;

public static class QpSerialization
{
    /// <summary>
    /// The domain library is plain C# with no Orleans attributes, so its types (a <c>ContactEvent</c>
    /// and its typed data) cross grain boundaries through Orleans' System.Text.Json codec. They use the
    /// same JSON shape as the event journal, so there is one serialized form of an event everywhere.
    /// Both the silo and every client must register this.
    /// </summary>
    public static ISerializerBuilder AddQpDomainJson(this ISerializerBuilder builder) =>
        builder.AddJsonSerializer(
            isSupported: IsDomainType,
            jsonSerializerOptions: new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static bool IsDomainType(Type type) =>
        type.Namespace is { } ns && ns.StartsWith("QpActors.Domain", StringComparison.Ordinal);
}
