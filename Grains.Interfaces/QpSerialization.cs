using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace QpActors.Grains.Interfaces;

public static class QpSerialization
{
    /// <summary>
    /// The domain library is plain C# with no Orleans attributes, so its types (a <c>ContactEvent</c>
    /// and its typed data, a risk assessment) cross grain boundaries through Orleans' System.Text.Json codec.
    /// That is not the journal's form: the codec writes the records' properties with the web defaults (an event's
    /// data with a <c>$type</c> discriminator, nulls written), the journal the catalogue's wire object
    /// (<c>ContactEventJson</c>). The codec's form only travels between processes; inside a silo, <c>[Immutable]</c>
    /// arguments pass by reference. Both the silo and every client must register this.
    /// </summary>
    public static ISerializerBuilder AddQpDomainJson(this ISerializerBuilder builder) =>
        builder.AddJsonSerializer(
            isSupported: IsDomainType,
            jsonSerializerOptions: new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// Everything the silo and every client must agree on: the domain's types (<see cref="AddQpDomainJson"/>), and the
    /// project's own exceptions crossing between processes as themselves. Orleans rebuilds an exception on the receiving
    /// side only when its namespace is allowed, and otherwise hands over a stand-in with the message alone; a gateway
    /// tells "retry shortly" from an error by the exception's type (the journal's <c>JournalUnavailableException</c>).
    /// </summary>
    public static ISerializerBuilder AddQpSerialization(this ISerializerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("QpActors."));
        return builder.AddQpDomainJson();
    }

    public static bool IsDomainType(Type type) =>
        type.Namespace is { } ns && ns.StartsWith("QpActors.Domain", StringComparison.Ordinal);
}
