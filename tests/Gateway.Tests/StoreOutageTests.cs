using System.Globalization;
using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Application;
using QpActors.Gateway.Grpc.V1;
using QpActors.Tests.Shared;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The event store cannot answer for the moment while a grain activates (it reads its events first), or while an active
/// grain writes: a real PostgreSQL table lock is held past the hosts' lock timeout. The client hears "busy, retry" (HTTP
/// 503 with Retry-After, gRPC Unavailable with a RetryInfo), nothing is recorded, and the same request succeeds once the
/// lock is released. Both topologies: through Orleans' serialiser the store's exception once turned the answer into a 500.
/// </summary>
public abstract class StoreOutageTests(PostgresGatewayFixture gateway)
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    [PostgresFact]
    public async Task A_childs_first_event_while_the_store_is_locked_is_503_with_retry_after_and_the_retry_is_accepted()
    {
        var birth = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward()).ToJsonString();

        await PostRefusedWhileLockedThenAcceptedAsync(birth);
    }

    [PostgresFact]
    public async Task A_childs_first_event_over_grpc_while_the_store_is_locked_is_unavailable_and_the_retry_is_accepted()
    {
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var birth = GrpcApiTests.Event("birth-notified", Ids.Family(), Ids.Child(), new Struct
        {
            Fields =
            {
                ["dateOfBirth"] = Value.ForString(DateTime.UtcNow.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                ["wardCode"] = Value.ForString(Ids.Ward()),
            },
        });

        await using (await gateway.LockAsync("qp_events"))
        {
            AssertUnavailable(await Assert.ThrowsAsync<RpcException>(() => contacts.RecordAsync(birth, gateway.GrpcHeaders(_midwife)).ResponseAsync));
        }

        var retried = await contacts.RecordAsync(birth, gateway.GrpcHeaders(_midwife));
        Assert.Equal("accepted", retried.Status);
    }

    [PostgresFact]
    public async Task An_event_for_an_active_child_the_store_cannot_take_is_503_and_the_retry_is_accepted()
    {
        var (ward, familyId, childId) = (Ids.Ward(), Ids.Family(), Ids.Child());
        using (var birth = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, TestEvents.BirthNotified(familyId, childId, ward).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, birth.StatusCode);
        }

        // The child is active, so only the journal's write waits for the lock: its outcome is unknown to the grain.
        var attendance = TestEvents.Event(null, "ae-attendance", familyId, childId, []).ToJsonString();
        await PostRefusedWhileLockedThenAcceptedAsync(attendance);
    }

    [PostgresFact]
    public async Task A_familys_first_risk_read_while_the_store_is_locked_is_busy_on_both_transports_and_the_retry_answers()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        using (var birth = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, TestEvents.BirthNotified(familyId, Ids.Child(), ward).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, birth.StatusCode);
        }

        // The family's next call activates it afresh, and activating reads its events.
        await gateway.DrainAsync();
        await gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var practitioner = TestCaller.EarlyIntervention(ward);
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);

        await using (await gateway.LockAsync("qp_events"))
        {
            using var refused = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
            await AssertBusyAsync(refused);

            AssertUnavailable(await Assert.ThrowsAsync<RpcException>(() =>
                families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(practitioner)).ResponseAsync));
        }

        using var retried = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(familyId, (await ContactApiTests.Json(retried)).GetProperty("familyId").GetString());
        Assert.Equal(familyId, (await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(practitioner))).FamilyId);
    }

    [PostgresFact]
    public async Task A_wards_first_figures_while_grain_state_is_locked_are_busy_on_both_transports_and_the_retry_answers()
    {
        var ward = Ids.Ward();
        using (var birth = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, birth.StatusCode);
        }

        // The ward's next call activates it afresh, and activating reads its snapshots from Orleans' grain state (not
        // from the journal, whose reads already told a lock timeout as "retry").
        await gateway.DrainAsync();
        await gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var commissioner = TestCaller.Commissioner();
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);

        await using (await gateway.LockAsync("orleans_grain_state"))
        {
            using var refused = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/figures?period=quarter", commissioner);
            await AssertBusyAsync(refused);

            AssertUnavailable(await Assert.ThrowsAsync<RpcException>(() =>
                wards.GetWardFiguresAsync(new WardFiguresRequest { WardCode = ward, Period = "quarter" }, gateway.GrpcHeaders(commissioner)).ResponseAsync));
        }

        using var retried = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/figures?period=quarter", commissioner);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    /// <summary>
    /// Posts the contact while the events table is locked past <c>lock_timeout</c> (busy: 503 with Retry-After), then
    /// again once it is free: accepted, not duplicate, so the refused attempt recorded nothing.
    /// </summary>
    private async Task PostRefusedWhileLockedThenAcceptedAsync(string contact)
    {
        await using (await gateway.LockAsync("qp_events"))
        {
            using var refused = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, contact);
            await AssertBusyAsync(refused);
        }

        using var retried = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, contact);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("accepted", (await ContactApiTests.Json(retried)).GetProperty("status").GetString());
    }

    private static async Task AssertBusyAsync(HttpResponseMessage refused)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(GrainCalls.RetryAfter, refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
    }

    private static void AssertUnavailable(RpcException error)
    {
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(GrainCalls.RetryAfter, error.GetRpcStatus()?.GetDetail<RetryInfo>()?.RetryDelay.ToTimeSpan());
    }
}

/// <summary>The gateway an Orleans client of a separate silo host: the silo's exception crosses Orleans' serialiser.</summary>
[Collection(PostgresGatewayCollection.Name)]
public sealed class ExternalSiloStoreOutageTests(PostgresGatewayFixture gateway) : StoreOutageTests(gateway);

/// <summary>The gateway is the silo: the exception reaches it in memory.</summary>
[Collection(CoHostedPostgresGatewayCollection.Name)]
public sealed class CoHostedStoreOutageTests(CoHostedPostgresGatewayFixture gateway) : StoreOutageTests(gateway);
