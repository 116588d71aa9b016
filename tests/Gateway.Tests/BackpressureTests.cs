using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Tests;

/// <summary>A gateway admitting one write and one batch at a time, with no queue, so a second one is refused at once.</summary>
public sealed class SingleSlotGatewayFixture() : GatewayFixture(
    SiloHosting.InProcess,
    "--Api:MaxConcurrentWrites=1",
    "--Api:WriteQueueLimit=0",
    "--Api:MaxConcurrentBatches=1",
    "--Api:BatchQueueLimit=0");

[CollectionDefinition(Name)]
public sealed class SingleSlotGatewayCollection : ICollectionFixture<SingleSlotGatewayFixture>
{
    public const string Name = "gateway-single-slot";
}

/// <summary>
/// Overload answers 503 with Retry-After and problem details (gRPC: Unavailable) instead of queueing without bound, and
/// batches from offline devices have their own slots, so a phone syncing its queue never holds back a single contact.
/// A request is held in flight by its body: the client sends it only once the gateway asks for it (100-continue), which
/// the gateway does only from inside the handler, so the slot is known to be taken without waiting on a clock.
/// </summary>
[Collection(SingleSlotGatewayCollection.Name)]
public sealed class BackpressureTests(SingleSlotGatewayFixture gateway) : IDisposable
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    private readonly HttpClient _waitsForContinue = new(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) })
    {
        BaseAddress = gateway.Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_batch_beyond_the_batch_slots_is_refused_with_retry_after_while_single_contacts_still_go_through()
    {
        var ward = Ids.Ward();
        await using var held = await HoldAsync("/v1/contacts/batch", new JsonArray(TestEvents.FamilyRegistered(Ids.Family(), ward)));

        using var refused = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, new JsonArray(TestEvents.FamilyRegistered(Ids.Family(), ward)).ToJsonString());
        using var single = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, TestEvents.FamilyRegistered(Ids.Family(), ward).ToJsonString());
        using var admitted = await held.ReleaseAsync();

        await AssertRefusedAsync(refused);
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        using var receipts = JsonDocument.Parse(await admitted.Content.ReadAsStringAsync());
        Assert.Equal("accepted", receipts.RootElement.GetProperty("receipts")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_write_beyond_the_write_slots_is_refused_and_recorded_nothing()
    {
        var ward = Ids.Ward();
        var refusedEvent = TestEvents.FamilyRegistered(Ids.Family(), ward);
        await using var held = await HoldAsync("/v1/contacts", TestEvents.FamilyRegistered(Ids.Family(), ward));

        using var refused = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, refusedEvent.ToJsonString());
        using var admitted = await held.ReleaseAsync();
        using var retried = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, refusedEvent.ToJsonString());

        await AssertRefusedAsync(refused);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);

        // The refused attempt left no trace: its retry is the first time the event is recorded.
        using var receipt = JsonDocument.Parse(await retried.Content.ReadAsStringAsync());
        Assert.Equal("accepted", receipt.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Over_grpc_a_batch_beyond_the_batch_slots_is_unavailable_with_retry_after()
    {
        var ward = Ids.Ward();
        await using var held = await HoldAsync("/v1/contacts/batch", new JsonArray(TestEvents.FamilyRegistered(Ids.Family(), ward)));
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var batch = new ContactBatch { Events = { GrpcApiTests.FamilyRegistered(Ids.Family(), ward) } };

        var call = contacts.RecordBatchAsync(batch, gateway.GrpcHeaders(_midwife));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        var headers = await call.ResponseHeadersAsync;
        using var admitted = await held.ReleaseAsync();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("1", headers.GetValue("retry-after"));
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    public void Dispose() => _waitsForContinue.Dispose();

    private static async Task AssertRefusedAsync(HttpResponseMessage refused)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
    }

    /// <summary>Starts a write whose body the gateway has asked for but not yet received: it holds its slot until released.</summary>
    private async Task<HeldRequest> HoldAsync(string path, JsonNode body)
    {
        var content = new HeldContent(body.ToJsonString());
        var request = gateway.Request(HttpMethod.Post, path, _midwife);
        request.Headers.ExpectContinue = true;
        request.Content = content;
        var response = _waitsForContinue.SendAsync(request);
        await content.Asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new HeldRequest(request, content, response);
    }

    private sealed class HeldRequest(HttpRequestMessage request, HeldContent content, Task<HttpResponseMessage> response) : IAsyncDisposable
    {
        public Task<HttpResponseMessage> ReleaseAsync()
        {
            content.Release.TrySetResult();
            return response;
        }

        public async ValueTask DisposeAsync()
        {
            content.Release.TrySetResult();
            (await response).Dispose();
            request.Dispose();
        }
    }

    /// <summary>A JSON body sent only when the server asks for it (after 100 Continue), then held until released.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _json;

        public HeldContent(string json)
        {
            _json = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Asked.TrySetResult();
            await Release.Task;
            await stream.WriteAsync(_json);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _json.Length;
            return true;
        }
    }
}
