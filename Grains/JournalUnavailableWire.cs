using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// What of a <see cref="JournalUnavailableException"/> crosses from a silo to a client: that the store could not answer
/// for the moment, and the message. The store's own exception stays in the silo's log. It is the exception's inner, and
/// Orleans' exception codec writes an inner as itself: a provider's exception (<c>Npgsql.PostgresException</c>) has no
/// codec, so a lock timeout while a grain activated reached the gateway as a <c>CodecNotFoundException</c>, a 500,
/// instead of the 503 that tells the client to retry. A codec for this one type comes before the exception codec.
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.JournalUnavailable")]
public readonly record struct JournalUnavailableWire([property: Id(0)] string Message);

[RegisterConverter]
public sealed class JournalUnavailableWireConverter : IConverter<JournalUnavailableException, JournalUnavailableWire>
{
    public JournalUnavailableException ConvertFromSurrogate(in JournalUnavailableWire surrogate) => new(surrogate.Message);

    public JournalUnavailableWire ConvertToSurrogate(in JournalUnavailableException value) => new(value.Message);
}

/// <summary>
/// What of a <see cref="StoreFailedException"/> crosses from a silo to a client: its message, for the same reason as
/// <see cref="JournalUnavailableWire"/> (the store's own exception, its inner, has no codec and stays in the silo's log).
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.StoreFailed")]
public readonly record struct StoreFailedWire([property: Id(0)] string Message);

[RegisterConverter]
public sealed class StoreFailedWireConverter : IConverter<StoreFailedException, StoreFailedWire>
{
    public StoreFailedException ConvertFromSurrogate(in StoreFailedWire surrogate) => new(surrogate.Message);

    public StoreFailedWire ConvertToSurrogate(in StoreFailedException value) => new(value.Message);
}
