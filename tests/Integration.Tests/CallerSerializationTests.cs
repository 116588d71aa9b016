using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>
/// The caller travels with every grain call (in the request context). The display name a token carries is the gateway's
/// alone (a decision takes it inside its event), so it adds nothing to what each call carries between processes.
/// </summary>
public sealed class CallerSerializationTests
{
    [Fact]
    public void A_callers_display_name_adds_no_bytes_to_a_grain_call_and_does_not_cross()
    {
        using var services = new ServiceCollection().AddSerializer(s => s.AddQpSerialization()).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var caller = new Caller("ei-amira", Roles.EarlyIntervention, ["queens-park"], null, null);
        var named = caller with { Names = ["Amira Haddad, Early Intervention Team, Queen's Park"] };

        var bytes = serializer.SerializeToArray(caller);
        var namedBytes = serializer.SerializeToArray(named);

        Assert.Equal(bytes, namedBytes);
        var crossed = serializer.Deserialize<Caller>(namedBytes)!;
        Assert.Empty(crossed.Names);
        Assert.Equal("ei-amira", crossed.UserId);
    }
}
