using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QpActors.Simulation.Client;

/// <summary>How hard the client retries when the gateway sheds load (429) or is briefly unavailable (503).</summary>
public sealed record QpClientOptions
{
    public int MaxAttempts { get; init; } = 6;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How to wait between attempts; tests replace it to record the waits instead of sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task>? Wait { get; init; }
}

/// <summary>A small typed client for the QpActors gateway's contact and figures endpoints.</summary>
public sealed class QpClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    private const int TransportAttempts = 3;

    private readonly HttpClient _http;
    private readonly QpClientOptions _options;

    public QpClient(HttpClient http, QpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _options = options ?? new QpClientOptions();
    }

    /// <summary><c>POST /v1/contacts/batch</c>: one receipt per event, in the gateway's order.</summary>
    public Task<IReadOnlyList<ContactReceipt>> PostBatchAsync(IReadOnlyList<JsonObject> events, string bearerToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        return PostRawBatchAsync(events.Select(e => e.ToJsonString()).ToArray(), bearerToken, cancellationToken);
    }

    /// <summary>As <see cref="PostBatchAsync"/> for events already serialised (the generator's output), without re-parsing them.</summary>
    public async Task<IReadOnlyList<ContactReceipt>> PostRawBatchAsync(IReadOnlyList<string> eventsJson, string bearerToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventsJson);
        var body = new StringBuilder(eventsJson.Sum(e => e.Length + 1) + 16).Append("{\"events\":[");
        for (var i = 0; i < eventsJson.Count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append(eventsJson[i]);
        }

        var payload = Encoding.UTF8.GetBytes(body.Append("]}").ToString());
        using var response = await SendAsync(HttpMethod.Post, "v1/contacts/batch", payload, bearerToken, cancellationToken).ConfigureAwait(false);
        var batch = await ReadAsync<BatchResponse>(response, cancellationToken).ConfigureAwait(false);
        return batch.Receipts ?? [];
    }

    /// <summary><c>POST /v1/contacts</c>: one receipt; invalid input throws <see cref="QpGatewayException"/> with the problem details.</summary>
    public async Task<ContactReceipt> PostAsync(JsonObject contact, string bearerToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var payload = Encoding.UTF8.GetBytes(contact.ToJsonString());
        using var response = await SendAsync(HttpMethod.Post, "v1/contacts", payload, bearerToken, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<ContactReceipt>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /v1/wards/{ward}/figures</c>: the commission's figures for a ward, as the gateway shapes them.</summary>
    public async Task<JsonDocument> GetWardFiguresAsync(string ward, string? bearerToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ward);
        using var response = await SendAsync(HttpMethod.Get, $"v1/wards/{Uri.EscapeDataString(ward)}/figures", null, bearerToken, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long to wait before attempt <paramref name="attempt"/> + 1: the server's Retry-After, else exponential backoff with jitter.</summary>
    internal TimeSpan RetryDelay(HttpResponseMessage response, int attempt)
    {
        var retryAfter = response.Headers.RetryAfter;
        TimeSpan? asked = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - _options.Clock.GetUtcNow() : null);
        if (asked is { } wait)
        {
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.MaxDelay ? _options.MaxDelay : wait;
        }

        return Backoff(attempt);
    }

    private TimeSpan Backoff(int attempt)
    {
        var backoff = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var jittered = backoff * (1 + (Random.Shared.NextDouble() * 0.2));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, _options.MaxDelay.TotalMilliseconds));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? payload, string? bearerToken, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (bearerToken is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
            }

            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("application/problem+json");
            if (payload is not null)
            {
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.ContentType = JsonMediaType;
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A dropped connection is retried a few times (posting is idempotent: events carry their ids);
                // a gateway that stays unreachable is reported quickly rather than after the full backoff.
                if (attempt >= Math.Min(_options.MaxAttempts, TransportAttempts))
                {
                    var what = ex is HttpRequestException ? ex.Message : "no answer in time";
                    throw new GatewayUnreachableException($"gateway unreachable at {_http.BaseAddress}: {what}", ex);
                }

                await (_options.Wait ?? DefaultWait)(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var retryable = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;
            if (retryable && attempt < _options.MaxAttempts)
            {
                var delay = RetryDelay(response, attempt);
                response.Dispose();
                await (_options.Wait ?? DefaultWait)(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                var problem = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false);
                var detail = problem?.Detail ?? problem?.Title ?? response.ReasonPhrase;
                throw new QpGatewayException(response.StatusCode, problem, $"{method} /{path}: {(int)response.StatusCode} {detail}");
            }
        }
    }

    private Task DefaultWait(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, _options.Clock, cancellationToken);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync<T>(stream, Json, cancellationToken).ConfigureAwait(false)
                ?? throw new QpGatewayException($"the gateway answered {(int)response.StatusCode} with an empty body");
        }
    }

    private static async Task<GatewayProblem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text) || JsonNode.Parse(text) is not JsonObject body)
            {
                return null;
            }

            return new GatewayProblem(
                body["type"]?.GetValue<string>(),
                body["title"]?.GetValue<string>(),
                body["status"]?.GetValue<int>(),
                body["detail"]?.GetValue<string>(),
                ReadErrors(body["errors"]));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // A proxy's HTML error page is still an error; the status code alone must do.
            return null;
        }
    }

    /// <summary>Accepts both the gateway's list of {field, message} and ASP.NET's map of field -> messages.</summary>
    private static List<FieldError>? ReadErrors(JsonNode? errors) => errors switch
    {
        JsonArray list => list.OfType<JsonObject>()
            .Select(e => new FieldError(e["field"]?.GetValue<string>() ?? "", e["message"]?.GetValue<string>() ?? ""))
            .ToList(),
        JsonObject map => map.SelectMany(kv => kv.Value is JsonArray messages
                ? messages.Select(m => new FieldError(kv.Key, m?.GetValue<string>() ?? ""))
                : [new FieldError(kv.Key, kv.Value?.ToString() ?? "")])
            .ToList(),
        _ => null,
    };

    private sealed record BatchResponse(IReadOnlyList<ContactReceipt>? Receipts);
}
