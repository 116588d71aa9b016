using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Integration.Tests;

/// <summary>
/// An exception thrown in a silo reaches a gateway in another process through Orleans' serializer. The gateway tells
/// "retry shortly" from an error by the exception's type, so the project's own exceptions must arrive as themselves.
/// </summary>
public sealed class ExceptionSerializationTests
{
    [Fact]
    public void The_journals_retry_signal_crosses_between_processes_as_itself()
    {
        using var services = new ServiceCollection().AddSerializer(s => s.AddQpSerialization()).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(
            new JournalUnavailableException("the event store could not take the write", new IOException("connection reset"))));

        var unavailable = Assert.IsType<JournalUnavailableException>(copy);
        Assert.Equal("the event store could not take the write", unavailable.Message);
    }

    [Fact]
    public void The_journals_retry_signal_crosses_without_the_stores_own_exception()
    {
        // The journal wraps the store's exception, which has no codec of its own: the signal must cross all the same.
        using var services = new ServiceCollection().AddSerializer(s => s.AddQpSerialization()).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var storeFailure = new Npgsql.PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", Npgsql.PostgresErrorCodes.LockNotAvailable);

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(
            new JournalUnavailableException("The event store could not be read for the moment; retry.", storeFailure)));

        var unavailable = Assert.IsType<JournalUnavailableException>(copy);
        Assert.Equal("The event store could not be read for the moment; retry.", unavailable.Message);
        Assert.Null(unavailable.InnerException);
    }

    [Fact]
    public void A_store_failure_a_retry_will_not_cure_crosses_as_itself_without_the_stores_exception()
    {
        using var services = new ServiceCollection().AddSerializer(s => s.AddQpSerialization()).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var storeFailure = new Npgsql.PostgresException("column \"reason\" does not exist", "ERROR", "ERROR", Npgsql.PostgresErrorCodes.UndefinedColumn);

        // As Orleans sends a grain-state failure: its own exception around the silo's.
        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(
            new Orleans.Runtime.OrleansException("Error from storage provider qp", new StoreFailedException("The store failed to read grain state.", storeFailure))));

        var failed = Assert.IsType<StoreFailedException>(Assert.IsType<Orleans.Runtime.OrleansException>(copy).InnerException);
        Assert.Equal("The store failed to read grain state.", failed.Message);
        Assert.Null(failed.InnerException);
    }
}
