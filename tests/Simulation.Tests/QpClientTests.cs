using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using QpActors.Simulation.Client;

namespace QpActors.Simulation.Tests;

public sealed class QpClientTests
{
    private const string Receipts = """{"receipts":[{"eventId":"e-1","status":"accepted","version":3},{"eventId":"e-2","status":"rejected","errors":[{"field":"data.dateOfBirth","message":"in the future"}]}]}""";

    private static (QpClient Client, ScriptedHandler Handler, List<TimeSpan> Waits) Create(params Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        var handler = new ScriptedHandler(answers);
        var waits = new List<TimeSpan>();
        var options = new QpClientOptions
        {
            MaxAttempts = 3,
            Clock = new FakeTimeProvider(new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero)),
            Wait = (delay, _) =>
            {
                waits.Add(delay);
                return Task.CompletedTask;
            },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://gateway.test/") };
        return (new QpClient(http, options), handler, waits);
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static HttpResponseMessage Busy(HttpStatusCode status, TimeSpan? retryAfter = null, DateTimeOffset? retryAt = null)
    {
        var response = new HttpResponseMessage(status);
        if (retryAfter is { } delta)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delta);
        }

        if (retryAt is { } date)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(date);
        }

        return response;
    }

    [Fact]
    public async Task A_batch_is_posted_as_events_with_the_bearer_token_and_receipts_come_back()
    {
        var (client, handler, _) = Create(_ => Json(HttpStatusCode.OK, Receipts));
        JsonObject[] events = [new() { ["eventId"] = "e-1" }, new() { ["eventId"] = "e-2" }];

        var receipts = await client.PostBatchAsync(events, "tok");

        var request = Assert.Single(handler.Requests);
        Assert.Equal((HttpMethod.Post, "/v1/contacts/batch", "Bearer tok"), (request.Method, request.Path, request.Authorization));
        Assert.Equal("""{"events":[{"eventId":"e-1"},{"eventId":"e-2"}]}""", request.Body);
        Assert.Equal(
            [("e-1", "accepted", (long?)3), ("e-2", "rejected", null)],
            receipts.Select(r => (r.EventId, r.Status, r.Version)));
        Assert.Equal(new FieldError("data.dateOfBirth", "in the future"), Assert.Single(receipts[1].Errors!));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Shed_load_is_retried_after_the_servers_retry_after(HttpStatusCode status)
    {
        var (client, handler, waits) = Create(_ => Busy(status, TimeSpan.FromSeconds(2)), _ => Json(HttpStatusCode.OK, Receipts));

        var receipts = await client.PostRawBatchAsync(["""{"eventId":"e-1"}"""], "tok");

        Assert.Equal(2, receipts.Count);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(handler.Requests[0].Body, handler.Requests[1].Body);
        Assert.Equal([TimeSpan.FromSeconds(2)], waits);
    }

    [Fact]
    public async Task A_retry_after_date_is_measured_from_the_clock()
    {
        var at = new DateTimeOffset(2024, 6, 1, 12, 0, 5, TimeSpan.Zero);
        var (client, _, waits) = Create(_ => Busy(HttpStatusCode.ServiceUnavailable, retryAt: at), _ => Json(HttpStatusCode.OK, Receipts));

        await client.PostRawBatchAsync(["{}"], "tok");

        Assert.Equal([TimeSpan.FromSeconds(5)], waits);
    }

    [Fact]
    public async Task Without_retry_after_the_backoff_doubles_and_gives_up_after_the_last_attempt()
    {
        var (client, handler, waits) = Create(
            _ => Busy(HttpStatusCode.ServiceUnavailable),
            _ => Busy(HttpStatusCode.ServiceUnavailable),
            _ => Busy(HttpStatusCode.ServiceUnavailable));

        var ex = await Assert.ThrowsAsync<QpGatewayException>(() => client.PostRawBatchAsync(["{}"], "tok"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, waits.Count);
        Assert.InRange(waits[0].TotalMilliseconds, 200, 240);
        Assert.InRange(waits[1].TotalMilliseconds, 400, 480);
    }

    [Fact]
    public async Task Invalid_input_comes_back_as_problem_details_with_field_errors()
    {
        const string Problem = """{"type":"https://qpactors/problems/invalid-contact","title":"Invalid contact event","status":400,"detail":"1 field is invalid","errors":[{"field":"type","message":"unknown type"}]}""";
        var (client, handler, waits) = Create(_ => Json(HttpStatusCode.BadRequest, Problem, "application/problem+json"));

        var ex = await Assert.ThrowsAsync<QpGatewayException>(() => client.PostAsync(new JsonObject { ["eventId"] = "e-1" }, "tok"));

        Assert.Equal("/v1/contacts", Assert.Single(handler.Requests).Path);
        Assert.Empty(waits);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("Invalid contact event", ex.Problem!.Title);
        Assert.Equal(new FieldError("type", "unknown type"), Assert.Single(ex.Problem.Errors!));
    }

    [Fact]
    public async Task A_single_event_returns_its_receipt()
    {
        var (client, _, _) = Create(_ => Json(HttpStatusCode.Created, """{"eventId":"e-1","status":"duplicate","version":7}"""));

        var receipt = await client.PostAsync(new JsonObject { ["eventId"] = "e-1" }, "tok");

        Assert.Equal(new ContactReceipt("e-1", ContactReceipt.Duplicate, 7, null), receipt);
    }

    [Fact]
    public async Task A_gateway_that_refuses_connections_is_reported_as_unreachable()
    {
        var (client, handler, waits) = Create(_ => throw new HttpRequestException("Connection refused"));

        await Assert.ThrowsAsync<GatewayUnreachableException>(() => client.PostRawBatchAsync(["{}"], "tok"));
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, waits.Count);
    }

    [Fact]
    public async Task A_dropped_connection_is_retried()
    {
        var (client, handler, _) = Create(_ => throw new HttpRequestException("Error while copying content to a stream."), _ => Json(HttpStatusCode.OK, Receipts));

        var receipts = await client.PostRawBatchAsync(["{}"], "tok");

        Assert.Equal(2, receipts.Count);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Ward_figures_are_fetched_by_ward()
    {
        var (client, handler, _) = Create(_ => Json(HttpStatusCode.OK, """{"ward":"queens-park","births":1020}"""));

        using var figures = await client.GetWardFiguresAsync("queens-park", "tok");

        Assert.Equal((HttpMethod.Get, "/v1/wards/queens-park/figures"), (handler.Requests[0].Method, handler.Requests[0].Path));
        Assert.Equal(1020, figures.RootElement.GetProperty("births").GetInt32());
    }

    private sealed record SeenRequest(HttpMethod Method, string Path, string? Authorization, string? Body);

    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<SeenRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add(new SeenRequest(request.Method, request.RequestUri!.AbsolutePath, request.Headers.Authorization?.ToString(), body));
            return answers[Math.Min(Requests.Count, answers.Length) - 1](request);
        }
    }
}
