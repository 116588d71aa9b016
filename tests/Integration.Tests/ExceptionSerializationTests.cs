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
}
