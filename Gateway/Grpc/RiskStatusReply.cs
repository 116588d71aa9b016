using System.Buffers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using QpActors.Grains.Interfaces;
using V1 = QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Grpc;

/// <summary>
/// The gRPC risk read's reply, as the protobuf bytes of a <see cref="V1.RiskStatus"/>. Everything but <c>as_of</c> and
/// <c>synthetic</c> (fields 1-14) is encoded once per view of a family's status; each read adds only its own instant and
/// flag (fields 15 and 16). Protobuf writes fields in number order, so the two parts together are, byte for byte, what
/// serialising the whole message gives: clients decode a plain <c>RiskStatus</c>. The HTTP twin does the same with JSON.
/// </summary>
public sealed class RiskStatusReply
{
    /// <summary>Writes the reply's bytes; reading one back (a client's side) decodes the message and encodes its head again.</summary>
    public static readonly Marshaller<RiskStatusReply> Marshaller = Marshallers.Create<RiskStatusReply>(Serialize, Deserialize);

    // Heads already encoded, by the status's children list. A co-hosted family hands back the lists of its cached view on
    // every read until the view changes (a fresh list per view), so a view is encoded once. Weak keys: a view that is gone
    // takes its entry with it. Across processes every read has new lists and is encoded afresh, as before.
    private static readonly ConditionalWeakTable<IReadOnlyList<ChildRiskView>, EncodedView> EncodedViews = new();

    private readonly byte[] _head;

    private RiskStatusReply(byte[] head, DateTimeOffset asOf, bool synthetic)
    {
        _head = head;
        AsOf = asOf;
        Synthetic = synthetic;
    }

    public DateTimeOffset AsOf { get; }

    public bool Synthetic { get; }

    /// <summary>The reply for one read of <paramref name="status"/>, reusing the encoding of its view when it is the same view.</summary>
    public static RiskStatusReply For(FamilyRiskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!EncodedViews.TryGetValue(status.Children, out var view) || !view.IsViewOf(status))
        {
            // Also when the key is shared by another status (an empty list may be a singleton): the newest one wins.
            view = new EncodedView(status, EncodeHead(ProtoMapping.ToProto(status)));
            EncodedViews.AddOrUpdate(status.Children, view);
        }

        return new RiskStatusReply(view.Head, status.AsOf, status.Synthetic);
    }

    /// <summary>The whole message's bytes, as a client receives them.</summary>
    public byte[] ToByteArray()
    {
        var tail = Tail();
        var bytes = new byte[_head.Length + tail.CalculateSize()];
        _head.CopyTo(bytes, 0);
        tail.WriteTo(bytes.AsSpan(_head.Length));
        return bytes;
    }

    /// <summary>The message a client decodes from the reply.</summary>
    public V1.RiskStatus ToMessage() => V1.RiskStatus.Parser.ParseFrom(ToByteArray());

    /// <summary>Fields 1-14: the message without its instant and flag (it clears them: pass a message of your own).</summary>
    private static byte[] EncodeHead(V1.RiskStatus message)
    {
        message.AsOf = null;
        message.Synthetic = false;
        return message.ToByteArray();
    }

    /// <summary>Fields 15-16: a message holding only them encodes to exactly the bytes that follow the head.</summary>
    private V1.RiskStatus Tail() => new() { AsOf = Timestamp.FromDateTimeOffset(AsOf), Synthetic = Synthetic };

    private static void Serialize(RiskStatusReply reply, SerializationContext context)
    {
        var tail = reply.Tail();
        context.SetPayloadLength(reply._head.Length + tail.CalculateSize());
        var writer = context.GetBufferWriter();
        writer.Write(reply._head);
        tail.WriteTo(writer);
        context.Complete();
    }

    private static RiskStatusReply Deserialize(DeserializationContext context)
    {
        var message = V1.RiskStatus.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        var asOf = message.AsOf?.ToDateTimeOffset() ?? default;
        var synthetic = message.Synthetic;
        return new RiskStatusReply(EncodeHead(message), asOf, synthetic);
    }

    /// <summary>One view's encoded head and the status it was encoded from.</summary>
    private sealed class EncodedView(FamilyRiskStatus source, byte[] head)
    {
        public byte[] Head { get; } = head;

        /// <summary>
        /// The same view read at another instant: equal in every field but <c>AsOf</c> (the record compares its lists by
        /// reference, and a view's lists are never changed in place), so a field added to the status later is covered too.
        /// </summary>
        public bool IsViewOf(FamilyRiskStatus status) => ReferenceEquals(source, status) || (source with { AsOf = status.AsOf }).Equals(status);
    }
}
