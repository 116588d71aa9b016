using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using QpActors.Gateway.Hosting;
using QpActors.Gateway.Http;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The published contract against what the gateway does: every operation in <c>/openapi/v1.json</c> is called as a
/// developer new to it might get it wrong (no token, each role, values of the wrong type, a body that is not JSON, an
/// empty object, one over the size limit), and each failure it answers must be declared for that operation as a problem
/// response, arrive as problem details with the stable type of its status, and (for bad values) name every wrong field.
/// The operations come from the document itself, so a route added later is probed without being listed here.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenApiContractTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Every_failure_a_route_answers_is_declared_as_a_problem_response_with_its_stable_type()
    {
        var document = await DocumentAsync();
        var ward = Ids.Ward();
        TestCaller?[] callers =
        [
            null,
            TestCaller.ServiceWorker(),
            TestCaller.ChampionOf("ch-" + Ids.Short(), ward),
            TestCaller.EarlyIntervention(ward),
            TestCaller.Commissioner(),
            TestCaller.Administrator(),
        ];
        var wrong = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                foreach (var caller in callers)
                {
                    foreach (var probe in Probes(path.Name, operation.Name, operation.Value, ward))
                    {
                        var failure = await SendAsync(probe, caller, operation.Value);
                        if (failure is not null)
                        {
                            wrong.Add($"{operation.Name.ToUpperInvariant()} {path.Name} ({probe.Name}, {caller?.Role ?? "no token"}): {failure}");
                        }

                        seen.Add(probe.Name);
                    }
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));

        // Each kind of probe ran somewhere, so the test cannot pass by sending none.
        Assert.Superset(new HashSet<string>(["as documented", "values of the wrong type", "not JSON", "empty object", "too large", "malformed path value"]), seen);
    }

    /// <summary>The types clients may branch on, as docs/design.md lists them: changing one is a change of the contract.</summary>
    [Fact]
    public void Each_status_has_the_documented_problem_type()
    {
        Assert.Equal(
            new Dictionary<int, string>
            {
                [400] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                [401] = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
                [403] = "https://tools.ietf.org/html/rfc9110#section-15.5.4",
                [404] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
                [405] = "https://tools.ietf.org/html/rfc9110#section-15.5.6",
                [413] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                [415] = "https://tools.ietf.org/html/rfc9110#section-15.5.16",
                [422] = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
                [429] = "https://tools.ietf.org/html/rfc6585#section-4",
                [500] = "https://tools.ietf.org/html/rfc9110#section-15.6.1",
                [503] = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
            },
            Problems.Types.OrderBy(t => t.Key));
    }

    [Fact]
    public async Task Every_v1_operation_declares_the_bearer_scheme_and_nothing_else_is_described()
    {
        var document = await DocumentAsync();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(OpenApiContract.BearerScheme);
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            Assert.StartsWith("/v1/", path.Name, StringComparison.Ordinal);
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.True(operation.Value.TryGetProperty("security", out var security), $"{operation.Name} {path.Name} declares no security");
                Assert.Contains(security.EnumerateArray(), r => r.TryGetProperty(OpenApiContract.BearerScheme, out _));
            }
        }
    }

    [Theory]
    [InlineData("/v1/families/{familyId}/risk", "get", "header", "X-Break-Glass-Reason")]
    [InlineData("/v1/stream/risk", "get", "header", "Last-Event-ID")]
    [InlineData("/v1/stream/risk", "get", "query", "lastEventId")]
    [InlineData("/v1/stream/risk", "get", "query", "access_token")]
    [InlineData("/v1/stream/figures", "get", "header", "Last-Event-ID")]
    [InlineData("/v1/stream/figures", "get", "query", "access_token")]
    public async Task Values_a_route_reads_by_hand_are_documented_as_parameters(string path, string method, string location, string name)
    {
        var document = await DocumentAsync();

        var parameters = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("parameters").EnumerateArray();
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == name && p.GetProperty("in").GetString() == location);
    }

    [Theory]
    [InlineData("/v1/audit", "page", "integer")]
    [InlineData("/v1/audit", "pageSize", "integer")]
    [InlineData("/v1/audit", "from", "string")]
    [InlineData("/v1/wards/{wardCode}/figures", "period", "string")]
    [InlineData("/v1/wards/{wardCode}/figures", "asOf", "string")]
    public async Task Query_parameters_carry_their_real_types(string path, string name, string type)
    {
        var document = await DocumentAsync();

        var parameter = document.GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == name);
        var schema = parameter.GetProperty("schema");
        Assert.Equal(type, schema.GetProperty("type").GetString());
        if (name == "period")
        {
            Assert.Equal(["month", "quarter", "rolling-12-months"], schema.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Theory]
    [InlineData("ReceiptResponse", "status", new[] { "accepted", "duplicate", "rejected" })]
    [InlineData("SetLevelBody", "level", new[] { "universal", "universal-plus", "universal-partnership-plus" })]
    [InlineData("RiskStatusResponse", "suggestedLevel", new[] { "universal", "universal-plus", "universal-partnership-plus" })]
    [InlineData("ReviewView", "status", new[] { "not-yet-due", "due", "completed-on-time", "completed-late", "overdue", "missed" })]
    public async Task Fixed_wire_values_are_listed(string schema, string property, string[] values)
    {
        var document = await DocumentAsync();

        var described = document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties").GetProperty(property);
        Assert.Equal(values, described.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Schemas_say_what_answers_carry_numbers_as_numbers_and_optional_members_not_required()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        // A receipt's errors come only with a rejection, a batch item's index only in a batch.
        var receipt = schemas.GetProperty("ReceiptResponse");
        Assert.DoesNotContain("errors", receipt.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("integer", receipt.GetProperty("properties").GetProperty("version").GetProperty("type").GetString());
        Assert.Equal("number", schemas.GetProperty("RiskStatusResponse").GetProperty("properties").GetProperty("score").GetProperty("type").GetString());

        // A child in a family's risk status never carries a history.
        Assert.False(schemas.GetProperty("ChildRiskView").GetProperty("properties").TryGetProperty("history", out _));

        // A posted event needs its id, type and instant; family, child and data depend on the type, which is listed.
        var contact = schemas.GetProperty("ContactEventBody");
        Assert.Equal(["eventId", "occurredAt", "type"], contact.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.Contains("birth-notified", contact.GetProperty("properties").GetProperty("type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        // Problems document their field errors and the break-glass members.
        var problem = schemas.GetProperty("ProblemDetails").GetProperty("properties");
        Assert.True(problem.TryGetProperty("errors", out _));
        Assert.True(problem.TryGetProperty("breakGlassHeader", out _));
    }

    private sealed record Probe(string Name, HttpMethod Method, string Path, HttpContent? Body, IReadOnlySet<string> SpoiltFields);

    private static IEnumerable<Probe> Probes(string template, string method, JsonElement operation, string ward)
    {
        var verb = new HttpMethod(method.ToUpperInvariant());
        var hasBody = operation.TryGetProperty("requestBody", out _);
        var query = new List<(string Name, JsonElement Schema)>();
        if (operation.TryGetProperty("parameters", out var parameters))
        {
            query.AddRange(parameters.EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "query")
                .Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("schema"))));
        }

        var path = template.Replace("{familyId}", Ids.Family(), StringComparison.Ordinal)
            .Replace("{wardCode}", ward, StringComparison.Ordinal)
            .Replace("{areaId}", "a-" + Ids.Short(), StringComparison.Ordinal)
            .Replace("{championId}", "ch-" + Ids.Short(), StringComparison.Ordinal)
            .Replace("{serviceId}", "svc-" + Ids.Short(), StringComparison.Ordinal);
        var wardQuery = query.Any(q => q.Name == "ward") ? "ward=" + ward : null;

        yield return new Probe("as documented", verb, With(path, wardQuery), hasBody ? Json("{\"eventId\":\"" + Ids.Event() + "\"}") : null, new HashSet<string>());

        var typed = query.Where(q => IsTyped(q.Schema)).Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        if (typed.Count > 0)
        {
            var spoilt = string.Join('&', typed.Select(name => name + "=x").Prepend(wardQuery).OfType<string>());
            yield return new Probe("values of the wrong type", verb, With(path, spoilt), hasBody ? Json("{}") : null, typed);
        }

        if (template.Contains('{', StringComparison.Ordinal))
        {
            var malformed = template.Replace("{familyId}", "not%20an%20id", StringComparison.Ordinal)
                .Replace("{wardCode}", "Not_A_Ward", StringComparison.Ordinal)
                .Replace("{areaId}", "Not_An_Area", StringComparison.Ordinal)
                .Replace("{championId}", "not%20an%20id", StringComparison.Ordinal)
                .Replace("{serviceId}", "Not_A_Service", StringComparison.Ordinal);
            yield return new Probe("malformed path value", verb, With(malformed, wardQuery), hasBody ? Json("{}") : null, new HashSet<string>());
        }

        if (hasBody)
        {
            yield return new Probe("not JSON", verb, path, new StringContent("{}", Encoding.UTF8, "text/plain"), new HashSet<string>());
            yield return new Probe("empty object", verb, path, Json("{}"), new HashSet<string>());
            yield return new Probe("too large", verb, path, Json("\"" + new string('a', (int)ApiLimits.MaxRequestBodyBytes) + "\""), new HashSet<string>());
        }
    }

    private static bool IsTyped(JsonElement schema) =>
        schema.TryGetProperty("enum", out _)
        || schema.TryGetProperty("format", out _)
        || schema.GetProperty("type").ValueKind == JsonValueKind.String && schema.GetProperty("type").GetString() is "integer" or "boolean";

    private static string With(string path, string? query) => query is null ? path : path + "?" + query;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>What is wrong with the answer to <paramref name="probe"/>, or null when it is a success or a declared, well-formed problem.</summary>
    private async Task<string?> SendAsync(Probe probe, TestCaller? caller, JsonElement operation)
    {
        using var request = new HttpRequestMessage(probe.Method, probe.Path) { Content = probe.Body };

        // As docs/architecture.md advises a device sending a large body: the refusal comes before the body is written,
        // where a plain send may meet the connection closed under it.
        request.Headers.ExpectContinue = probe.Name == "too large";
        if (caller is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.Token(caller));
        }

        // A live stream that opens is left at once: only its headers are read.
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return null;
        }

        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!operation.GetProperty("responses").TryGetProperty(key, out var declared))
        {
            return $"answered {status}, which the document does not declare";
        }

        if (!declared.TryGetProperty("content", out var content)
            || !content.TryGetProperty("application/problem+json", out var media)
            || !media.GetProperty("schema").GetProperty("$ref").GetString()!.EndsWith("/ProblemDetails", StringComparison.Ordinal))
        {
            return $"declares {status} without the problem-details schema";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"answered {status} as {response.Content.Headers.ContentType?.MediaType ?? "no body"}, not problem details";
        }

        var body = await ContactApiTests.Json(response);
        if (body.GetProperty("status").GetInt32() != status)
        {
            return $"answered {status} with a problem saying {body.GetProperty("status").GetInt32()}";
        }

        if (!body.TryGetProperty("type", out var type) || type.GetString() != Problems.Types[status])
        {
            return $"answered {status} with type {(body.TryGetProperty("type", out var t) ? t.GetString() : "(none)")}, not {Problems.Types[status]}";
        }

        if (status == 400 && probe.SpoiltFields.Count > 0)
        {
            var named = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!).ToHashSet(StringComparer.Ordinal);
            if (!named.SetEquals(probe.SpoiltFields))
            {
                return $"named [{string.Join(", ", named.Order(StringComparer.Ordinal))}] for the spoilt [{string.Join(", ", probe.SpoiltFields.Order(StringComparer.Ordinal))}]";
            }
        }

        return null;
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", caller: null);
        response.EnsureSuccessStatusCode();
        return await ContactApiTests.Json(response);
    }
}
