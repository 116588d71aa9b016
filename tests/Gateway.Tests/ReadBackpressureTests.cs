using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;
using QpActors.Gateway.Hosting;
using QpActors.Gateway.Http;
using QpActors.Persistence;

namespace QpActors.Gateway.Tests;

/// <summary>A co-hosted gateway admitting one read at a time, with no queue, so a second read is refused at once.</summary>
public sealed class SingleReadSlotGatewayFixture() : GatewayFixture(
    SiloHosting.InProcess,
    "--Api:MaxConcurrentReads=1",
    "--Api:ReadQueueLimit=0");

[CollectionDefinition(Name)]
public sealed class SingleReadSlotGatewayCollection : ICollectionFixture<SingleReadSlotGatewayFixture>
{
    public const string Name = "gateway-single-read-slot";
}

/// <summary>
/// Reads have backpressure as writes do: when the store is slow and the read slots are taken, one more read is answered
/// 503 with Retry-After (gRPC: Unavailable) at once, returns nothing and audits nothing.
/// </summary>
/// <remarks>
/// A read is held in flight by the store, as a slow store holds it in production: the test takes SQLite's write lock,
/// so the read's audit entry (written before the data is returned) waits for it. The read is known to hold its slot
/// when ASP.NET Core's rate-limiting meter counts the lease, so nothing waits on a clock.
/// </remarks>
[Collection(SingleReadSlotGatewayCollection.Name)]
public sealed class ReadBackpressureTests(SingleReadSlotGatewayFixture gateway)
{
    [Fact]
    public async Task While_a_read_waits_for_its_audit_entry_another_read_is_refused_over_http_and_grpc_and_audits_nothing()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        using (var registered = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker("midwifery"), TestEvents.FamilyRegistered(familyId, ward).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        var holder = TestCaller.EarlyIntervention(ward);
        var other = TestCaller.EarlyIntervention(ward);
        Task<HttpResponseMessage> held;
        HttpResponseMessage refused;
        RpcException refusedOverGrpc;
        Metadata grpcHeaders;
        await using (var storeLock = await HoldStoreWriteLockAsync())
        {
            using var leases = new ReadLeaseWatch(gateway.GatewayServices.GetRequiredService<IMeterFactory>());
            held = gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", holder);
            await leases.FirstTaken.Task.WaitAsync(TimeSpan.FromSeconds(20));

            // A read that queued behind the held one would wait as long as the lock: the bound turns that into a failure.
            refused = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", other).WaitAsync(TimeSpan.FromSeconds(10));
            var call = new FamiliesService.FamiliesServiceClient(gateway.Grpc)
                .GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(other), deadline: DateTime.UtcNow.AddSeconds(10));
            refusedOverGrpc = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            grpcHeaders = await call.ResponseHeadersAsync;
            Assert.False(held.IsCompleted, "the held read finished while the store was locked, so it did not hold its slot");
        }

        using var admitted = await held;
        using (refused)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
            Assert.False(problem.RootElement.TryGetProperty("familyId", out _));
        }

        Assert.Equal(StatusCode.Unavailable, refusedOverGrpc.StatusCode);
        Assert.Equal("1", grpcHeaders.GetValue("retry-after"));
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(familyId, (await ContactApiTests.Json(admitted)).GetProperty("familyId").GetString());

        // The admitted read was audited; the refused ones, which returned nothing, were not.
        using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?family={familyId}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        var entry = Assert.Single((await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray());
        Assert.Equal(holder.Subject, entry.GetProperty("userId").GetString());
    }

    /// <summary>Takes the embedded store's write lock (BEGIN IMMEDIATE) until disposed; readers go on, writers wait.</summary>
    private async Task<SqliteTransactionHold> HoldStoreWriteLockAsync()
    {
        var connection = new SqliteConnection(StorageSettings.Embedded(gateway.DataDirectory).ConnectionString);
        await connection.OpenAsync();
        using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        return new SqliteTransactionHold(connection);
    }

    private sealed class SqliteTransactionHold(SqliteConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (connection)
            {
                using var rollback = connection.CreateCommand();
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>
    /// Completes when this gateway's reads limiter grants a lease, seen through ASP.NET Core's rate-limiting meter (the
    /// gateway's own meter factory, so another gateway in this test process is not counted).
    /// </summary>
    private sealed class ReadLeaseWatch : IDisposable
    {
        private readonly MeterListener _listener = new();

        public ReadLeaseWatch(IMeterFactory gatewayMeters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, gatewayMeters) && instrument.Name == "aspnetcore.rate_limiting.active_request_leases")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, change, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (change > 0 && tag is { Key: "aspnetcore.rate_limiting.policy", Value: ApiEndpoints.ReadsLimiter })
                    {
                        FirstTaken.TrySetResult();
                    }
                }
            });
            _listener.Start();
        }

        public TaskCompletionSource FirstTaken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => _listener.Dispose();
    }
}
