using Google.Protobuf;
using Grpc.Core;
using QpActors.Gateway.Grpc;
using QpActors.Grains.Interfaces;
using V1 = QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The gRPC risk read encodes a family's view once and answers each read with those bytes and its own instant: the reply
/// must be exactly what serialising the typed mapping gives, and the hand-written binding must keep the service's contract.
/// </summary>
public sealed class RiskStatusProtoTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private static FamilyRiskStatus Status(string familyId, long version, double score, int children = 1)
    {
        var factors = new[] { new FactorView("ae-attendances", "A&E attendances in the last 12 months", 2, ["e-1", "e-2"], "c-1") };
        var kids = Enumerable.Range(1, children)
            .Select(i => new ChildRiskView($"c-{i}", familyId, new DateOnly(2025, 1, i), null, score, "universal-plus", factors, [], "v1", version, []))
            .ToArray();
        return new FamilyRiskStatus(
            familyId, "queens-park", score, "universal-plus",
            new LevelDecision("universal-plus", "agreed at the review", "service:early-intervention", At, "e-9", "ei-amira"),
            factors, kids, [new OverdueReviewView("c-1", "1-year", new DateOnly(2026, 10, 21))],
            [new ConcernView("housing", At.AddDays(-40), "e-7")],
            [new RiskChange(At, score, "universal-plus", 0, "universal", "e-2")],
            [new HistoryEntry(At, "service-level-set", "e-9", "service:early-intervention", "ei-amira"), new HistoryEntry(At.AddDays(-1), "ae-attendance", "e-2", "service:health-visiting", null)],
            "v1", version, At, Synthetic: false);
    }

    [Fact]
    public void A_reply_is_byte_for_byte_the_serialised_typed_mapping()
    {
        var status = Status("f-1", 3, 4.5);

        var reply = RiskStatusReply.For(status);

        Assert.Equal(ProtoMapping.ToProto(status).ToByteArray(), reply.ToByteArray());
        Assert.Equal(ProtoMapping.ToProto(status), reply.ToMessage());
    }

    [Fact]
    public void A_decisions_practitioner_is_in_the_reply_beside_its_team_and_only_on_the_decisions_history_line()
    {
        var reply = RiskStatusReply.For(Status("f-7", 3, 4.5)).ToMessage();

        Assert.Equal(("service:early-intervention", "ei-amira"), (reply.SetLevelDecision.SetBy, reply.SetLevelDecision.Practitioner));
        Assert.Equal([("e-9", true, "ei-amira"), ("e-2", false, "")], reply.RecentEvents.Select(e => (e.EventId, e.HasPractitioner, e.Practitioner)));
    }

    [Fact]
    public void A_later_read_of_the_same_view_carries_its_own_instant()
    {
        var first = Status("f-2", 3, 4.5);
        var later = first with { AsOf = At.AddMinutes(5).AddTicks(1234) };

        var a = RiskStatusReply.For(first);
        var b = RiskStatusReply.For(later);

        Assert.Equal(ProtoMapping.ToProto(first).ToByteArray(), a.ToByteArray());
        Assert.Equal(ProtoMapping.ToProto(later).ToByteArray(), b.ToByteArray());
        Assert.Equal(later.AsOf, b.ToMessage().AsOf.ToDateTimeOffset());
    }

    [Fact]
    public void A_new_view_is_encoded_afresh_even_on_the_same_lists()
    {
        var before = Status("f-3", 3, 4.5);
        _ = RiskStatusReply.For(before);

        // Another status that shares the first one's lists (the cache's key) but differs in a field of its own.
        var after = before with { Score = 6.0, Version = 4, SetLevel = null };
        var reply = RiskStatusReply.For(after);

        Assert.Equal(ProtoMapping.ToProto(after), reply.ToMessage());
        Assert.Equal(6.0, reply.ToMessage().Score);
        Assert.False(reply.ToMessage().HasSetLevel);
    }

    [Fact]
    public void Childless_synthetic_and_wardless_families_encode_like_the_typed_mapping()
    {
        var childless = Status("f-4", 1, 0, children: 0);
        var synthetic = Status("f-5", 2, 1.0) with { Synthetic = true, WardCode = null };

        Assert.Equal(ProtoMapping.ToProto(childless).ToByteArray(), RiskStatusReply.For(childless).ToByteArray());
        Assert.Equal(ProtoMapping.ToProto(synthetic).ToByteArray(), RiskStatusReply.For(synthetic).ToByteArray());
        Assert.True(RiskStatusReply.For(synthetic).ToMessage().Synthetic);
    }

    [Fact]
    public void The_reply_marshaller_writes_what_a_client_decodes()
    {
        var status = Status("f-6", 5, 2.5);
        var marshaller = RiskStatusReply.Marshaller;

        var written = new WrittenPayload();
        marshaller.ContextualSerializer(RiskStatusReply.For(status), written);
        var bytes = written.Bytes;
        var back = marshaller.ContextualDeserializer(new ReceivedPayload(bytes));

        Assert.Equal(bytes.Length, written.DeclaredLength);

        Assert.Equal(ProtoMapping.ToProto(status), V1.RiskStatus.Parser.ParseFrom(bytes));
        Assert.Equal(bytes, back.ToByteArray());
    }

    [Fact]
    public void The_hand_written_binding_covers_every_method_of_the_service_with_its_message_types()
    {
        var binder = new RecordingBinder();

        FamiliesServiceBinding.BindService(binder, null);

        var declared = V1.FamiliesService.Descriptor.Methods
            .Select(m => (m.Service.FullName, m.Name, m.InputType.ClrType, m.OutputType.ClrType))
            .OrderBy(m => m.Name, StringComparer.Ordinal);
        var bound = binder.Methods
            .Select(m => (m.ServiceName, m.Name, m.Request, m.Response == typeof(RiskStatusReply) ? typeof(V1.RiskStatus) : m.Response))
            .OrderBy(m => m.Name, StringComparer.Ordinal);
        Assert.Equal(declared, bound);
        Assert.Same(V1.FamiliesService.Descriptor, FamiliesServiceBinding.Descriptor);
    }

    /// <summary>What gRPC's writer does with a contextual serializer: a declared length, then the bytes into its buffer.</summary>
    private sealed class WrittenPayload : SerializationContext
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();
        private bool _completed;

        public int DeclaredLength { get; private set; } = -1;

        public byte[] Bytes => _completed ? _buffer.WrittenSpan.ToArray() : throw new InvalidOperationException("The serializer did not complete.");

        public override void SetPayloadLength(int payloadLength) => DeclaredLength = payloadLength;

        public override System.Buffers.IBufferWriter<byte> GetBufferWriter() => _buffer;

        public override void Complete() => _completed = true;
    }

    private sealed class ReceivedPayload(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }

    /// <summary>Records what a bind method adds; only unary methods exist on this service.</summary>
    private sealed class RecordingBinder : ServiceBinderBase
    {
        public List<(string ServiceName, string Name, Type Request, Type Response)> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add((method.ServiceName, method.Name, typeof(TRequest), typeof(TResponse)));
    }
}
