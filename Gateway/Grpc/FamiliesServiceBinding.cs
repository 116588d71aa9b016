using Google.Protobuf;
using Grpc.Core;
using V1 = QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Grpc;

/// <summary>
/// qp.v1.FamiliesService bound by hand instead of by the generated base class, for one reason: <c>GetRiskStatus</c>
/// answers with <see cref="RiskStatusReply"/>, bytes encoded once per view of a family, which the generated binding
/// (whose marshaller serialises a <see cref="V1.RiskStatus"/> on every call) cannot send. The wire contract is unchanged:
/// the same service and method names, and messages clients decode as the .proto says.
/// </summary>
/// <remarks>
/// grpc-dotnet finds the bind method through <see cref="BindServiceMethodAttribute"/> on the service type or a base of it;
/// the reflection service reads the static <c>Descriptor</c> of the same type. Each handler must be a virtual method
/// declared on the type the bind method takes, with the gRPC method's name: hence abstract methods here.
/// </remarks>
[BindServiceMethod(typeof(FamiliesServiceBinding), nameof(BindService))]
public abstract class FamiliesServiceBinding
{
    private static readonly Method<V1.RiskStatusRequest, RiskStatusReply> GetRiskStatusMethod =
        new(MethodType.Unary, Descriptor.FullName, nameof(GetRiskStatus), MessageMarshaller(V1.RiskStatusRequest.Parser), RiskStatusReply.Marshaller);

    private static readonly Method<V1.SetLevelRequest, V1.Receipt> SetLevelMethod =
        new(MethodType.Unary, Descriptor.FullName, nameof(SetLevel), MessageMarshaller(V1.SetLevelRequest.Parser), MessageMarshaller(V1.Receipt.Parser));

    /// <summary>The service as the .proto declares it, for the reflection service.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.FamiliesService.Descriptor;

    public abstract Task<RiskStatusReply> GetRiskStatus(V1.RiskStatusRequest request, ServerCallContext context);

    public abstract Task<V1.Receipt> SetLevel(V1.SetLevelRequest request, ServerCallContext context);

    /// <summary>Adds every method of the service; grpc-dotnet calls it with no instance to discover them.</summary>
    public static void BindService(ServiceBinderBase binder, FamiliesServiceBinding? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(GetRiskStatusMethod, service is null ? null : service.GetRiskStatus);
        binder.AddMethod(SetLevelMethod, service is null ? null : service.SetLevel);
    }

    /// <summary>What the generated code uses for a message: written straight into gRPC's buffer, read from its sequence.</summary>
    private static Marshaller<T> MessageMarshaller<T>(MessageParser<T> parser)
        where T : IMessage<T>, IBufferMessage => Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
