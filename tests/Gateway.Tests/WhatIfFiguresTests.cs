using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Figures.CostBenefit;
using QpActors.Gateway.Grpc.V1;
using Assumptions = QpActors.Figures.CostBenefit.CostBenefitAssumptions;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The commission's what-if: its own cost-benefit assumptions on top of a scenario, answered as the same published figures
/// document as the GET, nothing stored; and the assumptions in force, readable on both transports.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WhatIfFiguresTests(GatewayFixture gateway)
{
    private const string Area = "north-westminster";
    private const string Ward = "queens-park";

    /// <summary>Fields each read stamps afresh, and the mark a what-if sets.</summary>
    private static readonly string[] Stamps = ["asOf", "generatedAt", "overridden"];

    private static readonly JsonObject Overrides = new()
    {
        ["deadweight"] = new JsonObject { ["rate"] = 0.3 },
        ["costs"] = new JsonObject { ["annualRunning"] = 45000 },
        ["unitCosts"] = new JsonObject { ["ae-attendance"] = new JsonObject { ["unitCost"] = 210 } },
        ["wardShares"] = new JsonObject { ["needWeights"] = new JsonObject { ["universal-partnership-plus"] = 5 } },
    };

    [Fact]
    public async Task An_areas_what_if_answers_the_projection_the_model_makes_with_the_same_overrides()
    {
        using var overrides = JsonDocument.Parse(Overrides.ToJsonString());
        var expected = CostBenefitModel.Project(Assumptions.LoadDefault(), "pessimistic", overrides.RootElement);

        var whatIf = await WhatIfAsync($"/v1/areas/{Area}/figures/what-if", Body("pessimistic", Overrides));
        var get = await FiguresAsync($"/v1/areas/{Area}/figures?scenario=pessimistic");

        var savings = whatIf.GetProperty("figures").GetProperty("savings");
        Assert.True(savings.GetProperty("overridden").GetBoolean());
        Assert.False(get.GetProperty("figures").GetProperty("savings").GetProperty("overridden").GetBoolean());
        Assert.Equal("pessimistic", savings.GetProperty("scenario").GetString());
        Assert.Equal(Math.Round(expected.Npv, 0), savings.GetProperty("npv").GetDecimal());
        Assert.Equal(Math.Round(expected.Roi!.Value, 4), savings.GetProperty("roi").GetDecimal());
        Assert.Equal(Math.Round(expected.BenefitCostRatio!.Value, 4), savings.GetProperty("benefitCostRatio").GetDecimal());
        Assert.Equal(expected.PaybackYear, savings.GetProperty("paybackYear").ValueKind == JsonValueKind.Null ? null : savings.GetProperty("paybackYear").GetInt32());
        var years = savings.GetProperty("byYear").EnumerateArray().ToList();
        Assert.Equal(expected.ByYear.Count, years.Count);
        foreach (var (year, row) in expected.ByYear.Zip(years))
        {
            Assert.Equal(Math.Round(year.NetSaving, 0), row.GetProperty("netSaving").GetDecimal());
            Assert.Equal(Math.Round(year.OptimismBiasAdjustedCost, 0), row.GetProperty("cost").GetDecimal());
            Assert.Equal(Math.Round(year.PresentValue, 0), row.GetProperty("presentValue").GetDecimal());
            Assert.Equal(Math.Round(year.FiscalSavingByAgency["nhs"], 0), row.GetProperty("fiscalSavingByAgency").GetProperty("nhs").GetDecimal());
        }

        // The override changed the money, and only the money.
        Assert.NotEqual(get.GetProperty("figures").GetProperty("savings").GetProperty("npv").GetDecimal(), savings.GetProperty("npv").GetDecimal());
        AssertSameBesideSavings(get.GetProperty("figures"), whatIf.GetProperty("figures"));
    }

    [Fact]
    public async Task A_wards_what_if_is_its_share_of_the_areas_what_if_with_its_counts_and_suppression_unchanged()
    {
        using var overrides = JsonDocument.Parse(Overrides.ToJsonString());
        var whole = CostBenefitModel.Project(Assumptions.LoadDefault(), "default", overrides.RootElement);

        var whatIf = await WhatIfAsync($"/v1/wards/{Ward}/figures/what-if", Body(null, Overrides));
        var get = await FiguresAsync($"/v1/wards/{Ward}/figures");

        var savings = whatIf.GetProperty("figures").GetProperty("savings");
        Assert.True(savings.GetProperty("overridden").GetBoolean());
        var share = savings.GetProperty("share");
        Assert.Equal(5m, share.GetProperty("needWeights").GetProperty("universal-partnership-plus").GetDecimal());
        var part = CostBenefitModel.Allocate(whole, share.GetProperty("benefits").GetDecimal(), share.GetProperty("costs").GetDecimal());

        // The shares leave rounded to six decimals, so the ward's pounds are checked to that precision.
        var tolerance = 1m + (Math.Abs(whole.Npv) / 1_000_000m);
        Assert.InRange(savings.GetProperty("npv").GetDecimal(), part.Npv - tolerance, part.Npv + tolerance);
        Assert.Equal(get.GetProperty("figures").GetProperty("savings").GetProperty("share").GetProperty("childrenReached").ToString(), share.GetProperty("childrenReached").ToString());
        AssertSameBesideSavings(get.GetProperty("figures"), whatIf.GetProperty("figures"));
    }

    [Theory]
    [InlineData("wards/" + Ward)]
    [InlineData("areas/" + Area)]
    public async Task An_empty_override_answers_the_gets_figures(string target)
    {
        var whatIf = await WhatIfAsync($"/v1/{target}/figures/what-if", new JsonObject { ["overrides"] = new JsonObject(), ["scenario"] = "optimistic", ["period"] = "quarter" });
        var get = await FiguresAsync($"/v1/{target}/figures?scenario=optimistic&period=quarter");

        Assert.Equal(get.GetProperty("key").GetString(), whatIf.GetProperty("key").GetString());
        Assert.Equal(get.GetProperty("period").GetString(), whatIf.GetProperty("period").GetString());
        AssertSame(get.GetProperty("figures"), whatIf.GetProperty("figures"), "$");
    }

    [Fact]
    public async Task A_what_if_on_a_ward_of_small_numbers_suppresses_them_as_the_get_does()
    {
        var ward = Ids.Ward();
        var healthVisitor = TestCaller.ServiceWorker("health-visiting");
        var batch = new JsonArray(TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward), TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        await gateway.DrainAsync();

        var whatIf = await WhatIfAsync($"/v1/wards/{ward}/figures/what-if", Body(null, new JsonObject { ["unitCosts"] = new JsonObject { ["ae-attendance"] = new JsonObject { ["unitCost"] = 1 } } }));
        var get = await FiguresAsync($"/v1/wards/{ward}/figures");

        var figures = whatIf.GetProperty("figures");
        Assert.Equal(JsonValueKind.Null, figures.GetProperty("reach").GetProperty("known").ValueKind);
        Assert.Equal(get.GetProperty("figures").GetProperty("suppressed").ToString(), figures.GetProperty("suppressed").ToString());
        AssertSame(get.GetProperty("figures"), figures, "$");
    }

    [Fact]
    public async Task Wrong_overrides_are_refused_listing_every_wrong_field_as_a_path()
    {
        var shape = new JsonObject
        {
            ["overrides"] = new JsonObject
            {
                ["version"] = "mine",
                ["nonsense"] = 1,
                ["deadweight"] = new JsonObject { ["rate"] = "high" },
                ["unitCosts"] = new JsonObject { ["ae-attendance"] = new JsonObject { ["unitCost"] = "lots", ["colour"] = "red" } },
            },
        };
        var values = new JsonObject
        {
            ["overrides"] = new JsonObject
            {
                ["deadweight"] = new JsonObject { ["rate"] = 2 },
                ["costs"] = new JsonObject { ["setUp"] = -1 },
                ["discountRates"] = new JsonObject { ["bands"] = new JsonArray(new JsonObject { ["fromYear"] = 0, ["toYear"] = 30, ["rate"] = 1.5 }) },
            },
        };

        Assert.Equal(
            ["overrides.deadweight.rate", "overrides.nonsense", "overrides.unitCosts.ae-attendance.colour", "overrides.unitCosts.ae-attendance.unitCost", "overrides.version"],
            await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", shape));
        Assert.Equal(
            ["overrides.costs.setUp", "overrides.deadweight.rate", "overrides.discountRates.bands[0].rate"],
            await RefusedFieldsAsync($"/v1/wards/{Ward}/figures/what-if", values));
        Assert.Equal(
            ["colour", "overrides", "period", "scenario"],
            await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", new JsonObject { ["colour"] = "red", ["period"] = "fortnight", ["scenario"] = 7 }));
        Assert.Equal(["overrides"], await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", new JsonObject { ["overrides"] = new JsonArray() }));
        Assert.Equal(["overrides"], await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", new JsonObject { ["scenario"] = "default" }));
        Assert.Equal(["scenario"], await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", Body("no-such-scenario", new JsonObject())));

        // Each value valid alone, the product beyond what decimal money holds: the caller's error, not the server's.
        var huge = new JsonObject { ["unitCosts"] = new JsonObject { ["ae-attendance"] = new JsonObject { ["unitCost"] = 1e27 } }, ["benefitScale"] = new JsonObject { ["factor"] = 1e3 } };
        Assert.Equal(["overrides"], await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", Body(null, huge)));
    }

    [Fact]
    public async Task A_what_if_with_wrong_fields_of_its_own_and_wrong_overrides_names_them_all_in_one_answer()
    {
        var wrongOverrides = new JsonObject { ["deadweight"] = new JsonObject { ["rate"] = 2 }, ["nonsense"] = 1 };
        var bodyAndOverrides = Body(null, wrongOverrides, "fortnight");
        bodyAndOverrides["asOf"] = "yesterday";
        var shapeAndOverrides = Body(null, wrongOverrides);
        shapeAndOverrides["colour"] = "red";

        // Mending the fields named must not bring a second answer naming the overrides.
        Assert.Equal(
            ["asOf", "overrides.deadweight.rate", "overrides.nonsense", "period"],
            await RefusedFieldsAsync($"/v1/wards/{Ward}/figures/what-if", bodyAndOverrides));
        Assert.Equal(
            ["overrides.deadweight.rate", "overrides.nonsense", "scenario"],
            await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", Body("no-such-scenario", wrongOverrides)));
        Assert.Equal(
            ["colour", "overrides.deadweight.rate", "overrides.nonsense"],
            await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", shapeAndOverrides));
        Assert.Equal(
            ["period", "scenario"],
            await RefusedFieldsAsync($"/v1/areas/{Area}/figures/what-if", Body("no-such-scenario", new JsonObject(), "fortnight")));

        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var request = new WardFiguresWhatIfRequest
        {
            WardCode = Ward,
            Period = "fortnight",
            AsOf = "yesterday",
            Overrides = JsonParser.Default.Parse<Struct>(wrongOverrides.ToJsonString()),
        };
        var error = await Assert.ThrowsAsync<RpcException>(() => wards.WhatIfWardFiguresAsync(request, gateway.GrpcHeaders(TestCaller.Commissioner())).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(
            ["asOf", "overrides.deadweight.rate", "overrides.nonsense", "period"],
            (error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_oversized_what_if_is_refused_with_413_like_any_other_body()
    {
        var padding = new string('x', (int)Hosting.ApiLimits.MaxRequestBodyBytes + 1024);
        var body = Body(null, new JsonObject { ["notes"] = padding }).ToJsonString();

        // Sent after a 100 Continue, as ContactApiTests explains: the gateway refuses from Content-Length and closes.
        using var request = gateway.Request(HttpMethod.Post, $"/v1/areas/{Area}/figures/what-if", TestCaller.Commissioner(), body);
        request.Headers.ExpectContinue = true;
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_what_if_that_is_not_json_is_refused_with_415()
    {
        using var request = gateway.Request(HttpMethod.Post, $"/v1/wards/{Ward}/figures/what-if", TestCaller.Commissioner());
        request.Content = new StringContent("deadweight=0.3", System.Text.Encoding.UTF8, "text/plain");

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Over_grpc_wrong_overrides_are_invalid_argument_naming_the_same_paths()
    {
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var request = new AreaFiguresWhatIfRequest
        {
            AreaId = Area,
            Overrides = JsonParser.Default.Parse<Struct>("""{"nonsense": 1, "deadweight": {"rate": "high"}}"""),
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => wards.WhatIfAreaFiguresAsync(request, gateway.GrpcHeaders(TestCaller.Commissioner())).ResponseAsync);
        var missing = await Assert.ThrowsAsync<RpcException>(() => wards.WhatIfWardFiguresAsync(new WardFiguresWhatIfRequest { WardCode = Ward }, gateway.GrpcHeaders(TestCaller.Commissioner())).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["overrides.deadweight.rate", "overrides.nonsense"], (error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []).Order(StringComparer.Ordinal));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Equal(["overrides"], missing.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []);
    }

    [Fact]
    public async Task A_what_if_and_the_assumptions_answer_the_same_on_both_transports()
    {
        var commissioner = TestCaller.Commissioner();
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var headers = gateway.GrpcHeaders(commissioner);
        var overrides = JsonParser.Default.Parse<Struct>(Overrides.ToJsonString());

        var wardHttp = await WhatIfAsync($"/v1/wards/{Ward}/figures/what-if", Body("budget-cut-20", Overrides, "quarter"));
        var wardGrpc = await wards.WhatIfWardFiguresAsync(new WardFiguresWhatIfRequest { WardCode = Ward, Scenario = "budget-cut-20", Period = "quarter", Overrides = overrides }, headers);
        var areaHttp = await WhatIfAsync($"/v1/areas/{Area}/figures/what-if", Body("budget-cut-20", Overrides, "quarter"));
        var areaGrpc = await wards.WhatIfAreaFiguresAsync(new AreaFiguresWhatIfRequest { AreaId = Area, Scenario = "budget-cut-20", Period = "quarter", Overrides = overrides }, headers);
        using var assumptionsHttp = await gateway.SendAsync(HttpMethod.Get, "/v1/cost-benefit/assumptions", commissioner);
        var assumptionsGrpc = await wards.GetCostBenefitAssumptionsAsync(new CostBenefitAssumptionsRequest(), headers);

        SameOnBothTransports.AssertSame(wardHttp, wardGrpc, "asOf", "generatedAt");
        SameOnBothTransports.AssertSame(areaHttp, areaGrpc, "asOf", "generatedAt");
        Assert.Equal(HttpStatusCode.OK, assumptionsHttp.StatusCode);
        SameOnBothTransports.AssertSame(await ContactApiTests.Json(assumptionsHttp), assumptionsGrpc.Assumptions);
        Assert.True(wardGrpc.Figures_.Fields["savings"].StructValue.Fields["overridden"].BoolValue);
    }

    [Fact]
    public async Task Rates_and_pence_sent_as_grpc_doubles_answer_the_same_document_as_http_decimals_to_the_last_digit()
    {
        // Decimals no double holds exactly (0.1, 0.15, 0.035, pence): gRPC's Struct carries the nearest double, which the
        // gateway writes back as its shortest form, "0.1", so the silo reads the decimal the caller meant.
        var overrides = new JsonObject
        {
            ["deadweight"] = new JsonObject { ["rate"] = 0.1m },
            ["optimismBias"] = new JsonObject { ["rate"] = 0.15m },
            ["discountRates"] = new JsonObject { ["bands"] = new JsonArray(new JsonObject { ["fromYear"] = 0, ["toYear"] = 75, ["rate"] = 0.035m }) },
            ["costs"] = new JsonObject { ["annualRunning"] = 45000.01m, ["setUp"] = 1234.56m },
            ["unitCosts"] = new JsonObject { ["ae-attendance"] = new JsonObject { ["unitCost"] = 192.37m } },
            ["wardShares"] = new JsonObject { ["needWeights"] = new JsonObject { ["universal-plus"] = 1.7m } },
        };
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var headers = gateway.GrpcHeaders(TestCaller.Commissioner());
        var asStruct = JsonParser.Default.Parse<Struct>(overrides.ToJsonString());

        var wardHttp = await WhatIfAsync($"/v1/wards/{Ward}/figures/what-if", Body(null, overrides));
        var wardGrpc = await wards.WhatIfWardFiguresAsync(new WardFiguresWhatIfRequest { WardCode = Ward, Overrides = asStruct }, headers);
        var areaHttp = await WhatIfAsync($"/v1/areas/{Area}/figures/what-if", Body(null, overrides));
        var areaGrpc = await wards.WhatIfAreaFiguresAsync(new AreaFiguresWhatIfRequest { AreaId = Area, Overrides = asStruct }, headers);

        Assert.Equal(1.7m, wardHttp.GetProperty("figures").GetProperty("savings").GetProperty("share").GetProperty("needWeights").GetProperty("universal-plus").GetDecimal());
        AssertSameDecimals(wardHttp.GetProperty("figures"), JsonFormatter.Default.Format(wardGrpc.Figures_));
        AssertSameDecimals(areaHttp.GetProperty("figures"), JsonFormatter.Default.Format(areaGrpc.Figures_));

        // Longer than a double holds: sent as a decimal string, read as the number HTTP reads.
        var longHttp = await WhatIfAsync($"/v1/areas/{Area}/figures/what-if", Body(null, new JsonObject { ["deadweight"] = new JsonObject { ["rate"] = 0.1000000000000000000001m } }));
        var longGrpc = await wards.WhatIfAreaFiguresAsync(
            new AreaFiguresWhatIfRequest { AreaId = Area, Overrides = JsonParser.Default.Parse<Struct>("""{"deadweight": {"rate": "0.1000000000000000000001"}}""") }, headers);
        AssertSameDecimals(longHttp.GetProperty("figures"), JsonFormatter.Default.Format(longGrpc.Figures_));
    }

    [Fact]
    public async Task The_assumptions_in_force_are_the_models_own_with_every_unit_cost_and_its_source()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/cost-benefit/assumptions", TestCaller.Commissioner());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var model = Assumptions.LoadDefault();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(model.ToJson()), served), served.ToJsonString());
        foreach (var (id, item) in model.UnitCosts)
        {
            Assert.Equal(item.Source, served["unitCosts"]![id]!["source"]!.GetValue<string>());
            Assert.Equal(item.UnitCost, served["unitCosts"]![id]!["unitCost"]!.GetValue<decimal>());
        }

        Assert.Equal(model.Scenarios.Keys.Order(StringComparer.Ordinal), served["scenarios"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.NotNull(served["calibration"]!["targets"]);
        Assert.NotNull(served["discountRates"]!["bands"]);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_what_if_body_with_only_overrides_required()
    {
        var document = JsonNode.Parse(await gateway.Http.GetStringAsync("/openapi/v1.json"))!;

        var body = document["components"]!["schemas"]!["FiguresWhatIfBody"]!;
        Assert.Equal(["overrides"], body["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["asOf", "overrides", "period", "scenario"], body["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var path in new[] { "/v1/wards/{wardCode}/figures/what-if", "/v1/areas/{areaId}/figures/what-if" })
        {
            var post = document["paths"]![path]!["post"]!;
            Assert.Equal("#/components/schemas/FiguresWhatIfBody", post["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
            Assert.NotNull(post["responses"]!["400"]);
            Assert.NotNull(post["responses"]!["413"]);
        }

        Assert.NotNull(document["paths"]!["/v1/cost-benefit/assumptions"]!["get"]);
    }

    private static JsonObject Body(string? scenario, JsonObject overrides, string? period = null)
    {
        var body = new JsonObject { ["overrides"] = overrides.DeepClone() };
        if (scenario is not null)
        {
            body["scenario"] = scenario;
        }

        if (period is not null)
        {
            body["period"] = period;
        }

        return body;
    }

    private async Task<JsonElement> WhatIfAsync(string path, JsonObject body)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, path, TestCaller.Commissioner(), body.ToJsonString());
        var json = await ContactApiTests.Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        return json;
    }

    private async Task<JsonElement> FiguresAsync(string path)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, path, TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ContactApiTests.Json(response);
    }

    private async Task<string[]> RefusedFieldsAsync(string path, JsonObject body)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, path, TestCaller.Commissioner(), body.ToJsonString());
        var json = await ContactApiTests.Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, json.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// An HTTP document and a gRPC one (its Struct as JSON) alike, every number compared as the decimal its text says rather
    /// than as a double, so a difference in the last digit shows.
    /// </summary>
    private static void AssertSameDecimals(JsonElement http, string grpc)
    {
        var fromGrpc = JsonNode.Parse(grpc)!.AsObject();
        Compare(JsonNode.Parse(http.GetRawText()), fromGrpc, "$");

        static void Compare(JsonNode? expected, JsonNode? actual, string path)
        {
            switch (expected, actual)
            {
                case (JsonObject e, JsonObject a):
                    foreach (var name in e.Select(p => p.Key).Union(a.Select(p => p.Key), StringComparer.Ordinal).Where(n => !Stamps.Contains(n, StringComparer.Ordinal)))
                    {
                        Compare(e[name], a[name], $"{path}.{name}");
                    }

                    break;
                case (JsonArray e, JsonArray a):
                    Assert.True(e.Count == a.Count, $"{path}: {e.Count} items against {a.Count}");
                    for (var i = 0; i < e.Count; i++)
                    {
                        Compare(e[i], a[i], $"{path}[{i}]");
                    }

                    break;
                case (JsonValue e, JsonValue a) when e.GetValueKind() == JsonValueKind.Number:
                    Assert.True(
                        a.GetValueKind() == JsonValueKind.Number && e.GetValue<decimal>() == a.GetValue<decimal>(),
                        $"{path}: HTTP {e.ToJsonString()}, gRPC {a.ToJsonString()}");
                    break;
                default:
                    Assert.True(JsonNode.DeepEquals(expected, actual), $"{path}: HTTP {expected?.ToJsonString()}, gRPC {actual?.ToJsonString()}");
                    break;
            }
        }
    }

    /// <summary>Two figures documents alike in everything but their savings (and the instants each read stamps).</summary>
    private static void AssertSameBesideSavings(JsonElement expected, JsonElement actual)
    {
        var a = JsonNode.Parse(expected.GetRawText())!.AsObject();
        var b = JsonNode.Parse(actual.GetRawText())!.AsObject();
        a.Remove("savings");
        b.Remove("savings");
        AssertSame(JsonSerializer.SerializeToElement(a), JsonSerializer.SerializeToElement(b), "$");
    }

    private static void AssertSame(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind == JsonValueKind.Object && actual.ValueKind == JsonValueKind.Object)
        {
            var names = expected.EnumerateObject().Select(p => p.Name).Union(actual.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
            foreach (var name in names.Where(n => !Stamps.Contains(n, StringComparer.Ordinal)))
            {
                Assert.True(expected.TryGetProperty(name, out var e) & actual.TryGetProperty(name, out var a), $"{path}.{name} is on one side only");
                AssertSame(e, a, $"{path}.{name}");
            }

            return;
        }

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.GetRawText()), JsonNode.Parse(actual.GetRawText())), $"{path}: {expected} against {actual}");
    }
}
