using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using QpActors.Domain.Events;
using QpActors.Gateway.Application;
using QpActors.Gateway.Auth;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Http;

/// <summary>
/// The HTTP JSON API under <c>/v1</c>. Handlers only translate: request to operation arguments,
/// operation result to a response or problem details. Every route names its policy.
/// </summary>
public static class ApiEndpoints
{
    /// <summary>The concurrency limiter on endpoints that write.</summary>
    public const string WritesLimiter = "writes";

    /// <summary>The concurrency limiter on batches from offline devices, in place of <see cref="WritesLimiter"/>.</summary>
    public const string BatchesLimiter = "batches";

    /// <summary>
    /// The concurrency limiter on reads that call the grains (risk, lists, figures, audit, summaries). Live streams are counted
    /// by <see cref="Application.LiveStreamLimits"/> instead: they hold their place for as long as a client keeps them.
    /// </summary>
    public const string ReadsLimiter = "reads";

    public static RouteGroupBuilder MapQpHttpApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var before = endpoints.DataSources.ToList();
        var v1 = endpoints.MapGroup("/v1");
        // The group's endpoints are the one data source it adds to the application's.
        var api = endpoints.DataSources.Except(before).Single();
        MapContacts(v1);
        MapSummaries(v1);
        MapFamilies(v1);
        MapWards(v1);
        MapWhatIf(v1);
        MapStreams(v1);
        MapAudit(v1);

        // Every route answers a method it does not take with 405 and Allow (not 404), whatever else shares its shape.
        endpoints.DataSources.Add(new MethodNotAllowedEndpoints(api));
        return v1;
    }

    private static void MapContacts(RouteGroupBuilder v1)
    {
        v1.MapPost("/contacts", async Task<Results<Ok<ReceiptResponse>, ProblemHttpResult>> (HttpContext http, ContactOperations contacts) =>
            {
                var (body, problem) = await JsonBody.ReadAsync(http);
                if (problem is not null)
                {
                    return problem;
                }

                using (body)
                {
                    var result = await contacts.RecordAsync(CallerFactory.FromPrincipal(http.User), body!.RootElement);
                    return result.IsOk ? TypedResults.Ok(ReceiptResponse.From(result.Value!)) : Problems.From(result, http);
                }
            })
            .RequireAuthorization(QpPolicies.Frontline)
            .RequireRateLimiting(WritesLimiter)
            .Accepts<ContactEventBody>("application/json")
            .WithName("RecordContact")
            .WithTags(ApiTags.Contacts)
            .WithSummary("Record one contact event; re-posting the same event under its id returns the original receipt. An entered-in-error event takes back one of the caller's own events (data.eventId, with data.reason): refused naming data.eventId for any event the caller may not mark.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        MapNotJson(v1, HttpMethods.Post, "/contacts", QpPolicies.Frontline);

        v1.MapPost("/contacts/batch", async Task<Results<Ok<BatchResponse>, ProblemHttpResult>> (HttpContext http, ContactOperations contacts) =>
            {
                var (body, problem) = await JsonBody.ReadAsync(http);
                if (problem is not null)
                {
                    return problem;
                }

                using (body)
                {
                    var result = await contacts.RecordBatchAsync(CallerFactory.FromPrincipal(http.User), body!.RootElement);
                    return result.IsOk ? TypedResults.Ok(BatchResponse.From(result.Value!)) : Problems.From(result, http);
                }
            })
            .RequireAuthorization(QpPolicies.Frontline)
            .RequireRateLimiting(BatchesLimiter)
            .Accepts<ContactBatchBody>("application/json")
            .WithName("RecordContactBatch")
            .WithTags(ApiTags.Contacts)
            .WithSummary("Record a batch from an offline device: a receipt per item (accepted, duplicate or rejected with its errors).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        MapNotJson(v1, HttpMethods.Post, "/contacts/batch", QpPolicies.Frontline);

        v1.MapGet("/event-types", () => TypedResults.Ok(EventCatalogue.Types.Select(EventTypeResponse.From).ToArray()))
            .RequireAuthorization(QpPolicies.AnyCaller)
            .WithName("ListEventTypes")
            .WithTags(ApiTags.Contacts)
            .WithSummary("The contact-event catalogue: every type a frontline app may post.");
    }

    private static void MapSummaries(RouteGroupBuilder v1)
    {
        v1.MapGet("/champions/{championId}/summary", async Task<Results<Ok<ChampionSummaryResponse>, ProblemHttpResult>> (string championId, HttpContext http, SummaryOperations summaries) =>
            {
                var result = await summaries.GetChampionSummaryAsync(CallerFactory.FromPrincipal(http.User), championId);
                return result.IsOk ? TypedResults.Ok(ChampionSummaryResponse.From(result.Value!)) : Problems.From(result, http);
            })
            .RequireAuthorization(QpPolicies.Frontline)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetChampionSummary")
            .WithTags(ApiTags.Summaries)
            .WithSummary("A champion's own tallies: outreach, families signposted (by service) and of those the families the centre has since reached, surveys, drop-ins.")
            .WithDescription("For a frontline token bound to this champion (its champion claim) alone. Any other champion id, known or not, " +
                "and a token bound to a service, get the same 404, so a token cannot learn which champions exist; other roles get 403. " +
                "A champion that has recorded nothing reads every tally 0 and version 0. A championId that is not 1-128 characters of " +
                "A-Z a-z 0-9 . _ : - is refused with 400 naming championId. Counts only, no family or child id: not an audited read.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        v1.MapGet("/services/{serviceId}/summary", async Task<Results<Ok<ServiceSummaryResponse>, ProblemHttpResult>> (string serviceId, HttpContext http, SummaryOperations summaries) =>
            {
                var result = await summaries.GetServiceSummaryAsync(CallerFactory.FromPrincipal(http.User), serviceId);
                return result.IsOk ? TypedResults.Ok(ServiceSummaryResponse.From(result.Value!)) : Problems.From(result, http);
            })
            .RequireAuthorization(QpPolicies.Frontline)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetServiceSummary")
            .WithTags(ApiTags.Summaries)
            .WithSummary("A service's own tallies: active children and families, contacts by type, this month and the last 12 months, missed appointments and their rate, referrals in and out, satisfaction, drop-ins.")
            .WithDescription("For a frontline token bound to this service (its service claim) alone. Any other service id, known or not, " +
                "and a token bound to a champion, get the same 404, so a token cannot learn which services exist; other roles get 403. " +
                "A service that has recorded nothing reads every tally 0 and version 0. The tallies are read from the journal at most " +
                "every 5 seconds, so an event just recorded may show a few seconds later. Every count but referrals, satisfaction and " +
                "drop-ins covers the last 12 months (this calendar month and the eleven before it), contactsByType included, so its " +
                "counts add up to contactsLast12Months. missedAppointmentRate is, of the appointments this service offered in those " +
                "months, the share the child was not brought to: appointment-missed over appointment-missed plus the appointments " +
                "attended (review-completed and immunisation-given); sessions, drop-ins, registrations, births, concerns, referrals " +
                "and A&E visits are no appointments and do not count; null with no appointment. referralsIn and referralsOut count " +
                "only referral-made events this service recorded itself (to it and from it): a referral another service recorded " +
                "to this one is not yet counted. A serviceId that is not a lower-case " +
                "kebab-case code of up to 64 characters is refused with 400 naming serviceId. Counts only, no family or child id: not an audited read.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static void MapFamilies(RouteGroupBuilder v1)
    {
        // The body is the family's own JSON of the status (RiskStatusResponse's shape, pinned by a test), written
        // once per change of the status rather than serialised here on every read.
        v1.MapGet("/families/{familyId}/risk", async Task<Results<Utf8JsonResult, ProblemHttpResult>> (string familyId, HttpContext http, FamilyOperations families) =>
            {
                var reason = http.Request.Headers[Problems.BreakGlassHeader].ToString();
                var result = await families.GetRiskStatusJsonAsync(CallerFactory.FromPrincipal(http.User), familyId, reason.Length > 0 ? reason : null);
                return result.IsOk ? new Utf8JsonResult(result.Value!.Head, result.Value.Tail) : Problems.From(result, http);
            })
            .RequireAuthorization(QpPolicies.EarlyIntervention)
            .RequireRateLimiting(ReadsLimiter)
            .Produces<RiskStatusResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("GetFamilyRisk")
            .WithTags(ApiTags.Families)
            .WithReadParameter(Microsoft.OpenApi.ParameterLocation.Header, Problems.BreakGlassHeader,
                $"A written reason ({FamilyOperations.MinimumBreakGlassReasonLength} to {FamilyOperations.MaximumBreakGlassReasonLength} characters after trimming) " +
                "to open a family outside your wards for 30 minutes; audited with the read. Not needed inside your wards or an open window.")
            .WithSummary("A family's risk status; audited before it is returned. Outside your wards send X-Break-Glass-Reason.")
            .WithDescription("history lists the changes of the family's score or suggested level, newest first, each with previousScore and " +
                "previousLevel. Its at is when the change was recorded: an event's receipt (a contact synced late changes the risk when it " +
                "arrives, not at its occurredAt; one synced twice changes nothing), the programme's midnight at which time alone changed a " +
                "fact, or when the family was first assessed under new rules. Its cause is an event id (for an entered-in-error mark, the " +
                "mark's: its reason is the markedInError entry with that markEventId); or, for time, \"time: review window\" (a review's " +
                "window opened, or closed with the review not done), \"time: look-back\" (a contact left a 12- or 3-month look-back), " +
                "\"time: not registered with the centre by 8 weeks\" or \"time: fifth birthday\" (the child left the programme), kinds " +
                "falling at one midnight named together after one \"time: \", joined by \", \" in that order (fifth birthday first, look-back " +
                "last); or \"rules: risk-rules.v1 -> risk-rules.v2\" for a change of the rules, whose previousScore and previousLevel are " +
                "what the family showed under the old rules.");

        v1.MapPut("/families/{familyId}/level", async Task<Results<Ok<ReceiptResponse>, ProblemHttpResult>> (string familyId, HttpContext http, FamilyOperations families) =>
            {
                var (body, problem) = await JsonBody.ReadAsync(http);
                if (problem is not null)
                {
                    return problem;
                }

                using (body)
                {
                    var errors = new List<FieldProblem>();
                    var level = StringField(body!.RootElement, "level", errors);
                    var reason = StringField(body.RootElement, "reason", errors);
                    var eventId = StringField(body.RootElement, "eventId", errors);
                    if (body.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        errors.AddRange(body.RootElement.EnumerateObject()
                            .Where(p => p.Name is not ("eventId" or "level" or "reason"))
                            .Select(p => new FieldProblem(p.Name, "is not a field of a level decision")));
                    }

                    if (errors.Count > 0)
                    {
                        return Problems.Invalid(http, errors);
                    }

                    var result = await families.SetLevelAsync(CallerFactory.FromPrincipal(http.User), familyId, eventId, level, reason);
                    return result.IsOk ? TypedResults.Ok(ReceiptResponse.From(result.Value!)) : Problems.From(result, http);
                }
            })
            .RequireAuthorization(QpPolicies.EarlyIntervention)
            .RequireRateLimiting(WritesLimiter)
            .Accepts<SetLevelBody>("application/json")
            .WithName("SetFamilyLevel")
            .WithTags(ApiTags.Families)
            .WithSummary("Set a family's service level with a reason, recorded as a service-level-set event under the client's eventId.")
            .WithDescription("eventId is required, as a contact's is: make it once for the decision and send it unchanged with every retry. " +
                "A retry with the same eventId, level and reason answers the original receipt as a duplicate and records nothing; the same " +
                "eventId with another level, reason or family is refused with 400 naming eventId and changes nothing, as is an eventId " +
                "another recorder's event holds. The decision names the practitioner who made it: the subject of your token, never a field " +
                "or header you send (a practitioner field is refused with 400). The family's risk status shows it as " +
                "setLevelDecision.practitioner, beside setBy, the team that recorded it (service:early-intervention), and on the decision's " +
                "line in recentEvents, with practitionerName, the name claim of your token (null when it has none; a name over 200 " +
                "characters or holding a character that is not printable text, or a claim of several names, is refused with 400 naming " +
                "token.name). A retry answers the original, whatever name its token carries, and the practitioner who first made the " +
                "decision stays named.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        MapNotJson(v1, HttpMethods.Put, "/families/{familyId}/level", QpPolicies.EarlyIntervention);
    }

    private static void MapWards(RouteGroupBuilder v1)
    {
        v1.MapGet("/worklist", async Task<Results<Ok<WorklistPage>, ProblemHttpResult>> (
                HttpContext http, WardOperations wards, string? ward, string? level, string? overdueReview, string? concern, string? page, string? pageSize,
                string? awaitingDecision, string? changedSince) =>
            {
                var errors = new List<FieldProblem>();
                var overdue = QueryValues.Bool(overdueReview, "overdueReview", errors);
                var pageNumber = QueryValues.Int(page, "page", errors);
                var size = QueryValues.Int(pageSize, "pageSize", errors);
                var awaiting = QueryValues.Bool(awaitingDecision, "awaitingDecision", errors);
                var since = QueryValues.InstantWithOffset(changedSince, "changedSince", errors);
                if (errors.Count > 0)
                {
                    WardOperations.CheckWorklist(ward, level, concern, pageNumber, size, errors);
                    return Problems.Invalid(http, errors);
                }

                var result = await wards.GetWorklistAsync(CallerFactory.FromPrincipal(http.User), ward, level, overdue, concern, pageNumber, size, awaiting, since);
                return result.IsOk ? TypedResults.Ok(result.Value!) : Problems.From(result, http);
            })
            .RequireAuthorization(QpPolicies.EarlyIntervention)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetWorklist")
            .WithTags(ApiTags.Wards)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Families in one of your wards ranked by need; filter by level, overdueReview, concern, awaitingDecision, changedSince; paged.")
            .WithDescription("Every family listed is audited as read by you (worklist-read) before the page is returned. " +
                "awaitingDecision=true lists the families awaiting a level decision: the suggested level is above the level the team set, " +
                "or above universal when none is set; each item says so in awaitingDecision. changedSince lists the families whose score or " +
                "suggested level changed at or after that instant, an ISO 8601 date and time with an offset (2026-11-20T08:00:00Z; write a + " +
                "offset as %2B). Each item carries riskChangedAt (when its score or suggested level last changed), levelChangedAt and " +
                "levelChangedFrom (when its suggested level last changed, and from which level): the family's own instants, an event's " +
                "receipt or when time alone changed its risk (a review window closing). They are null for a family whose risk never " +
                "changed, and for one whose ward entry was kept before entries carried them: changedSince asks such families to date their " +
                "changes (a bounded number per list) and lists any not dated yet with null instants, as they may have changed. A bad value " +
                "is refused with 400 naming the field.");

        v1.MapGet("/wards/{wardCode}/unreached", async Task<Results<Ok<UnreachedResponse>, ProblemHttpResult>> (string wardCode, HttpContext http, WardOperations wards) =>
            {
                var result = await wards.GetUnreachedAsync(CallerFactory.FromPrincipal(http.User), wardCode);
                return result.IsOk ? TypedResults.Ok(new UnreachedResponse(wardCode, result.Value!.Count, result.Value)) : Problems.From(result, http);
            })
            .RequireAuthorization(QpPolicies.Outreach)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetUnreachedInfants")
            .WithTags(ApiTags.Wards)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Infants known from birth records but not yet reached by the children's centre (champions and early intervention, own wards).");

        v1.MapGet("/wards/{wardCode}/figures", async Task<Results<Ok<FiguresResponse>, ProblemHttpResult>> (string wardCode, HttpContext http, WardOperations wards, string? period, string? asOf, string? scenario) =>
                Figures(await wards.GetWardFiguresAsync(CallerFactory.FromPrincipal(http.User), wardCode, period, asOf, scenario), http))
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetWardFigures")
            .WithTags(ApiTags.Figures)
            .WithSummary("A ward's figures with small numbers suppressed; period=month|quarter|rolling-12-months, asOf=yyyy-MM-dd, scenario=name.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        v1.MapGet("/wards/{wardCode}/figures/history", async Task<Results<Ok<FiguresHistoryResponse>, ProblemHttpResult>> (string wardCode, HttpContext http, WardOperations wards) =>
                History(wardCode, await wards.GetWardHistoryAsync(CallerFactory.FromPrincipal(http.User), wardCode), http))
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetWardFiguresHistory")
            .WithTags(ApiTags.Figures)
            .WithSummary("A ward's monthly figures (one snapshot per completed month), each with small numbers suppressed.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        v1.MapGet("/areas/{areaId}/figures/history", async Task<Results<Ok<FiguresHistoryResponse>, ProblemHttpResult>> (string areaId, HttpContext http, WardOperations wards) =>
                History(areaId, await wards.GetAreaHistoryAsync(CallerFactory.FromPrincipal(http.User), areaId), http))
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetAreaFiguresHistory")
            .WithTags(ApiTags.Figures)
            .WithSummary("An area's monthly figures (months every ward kept), each with small numbers suppressed.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        v1.MapGet("/areas/{areaId}/figures", async Task<Results<Ok<FiguresResponse>, ProblemHttpResult>> (string areaId, HttpContext http, WardOperations wards, string? period, string? asOf, string? scenario) =>
                Figures(await wards.GetAreaFiguresAsync(CallerFactory.FromPrincipal(http.User), areaId, period, asOf, scenario), http))
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetAreaFigures")
            .WithTags(ApiTags.Figures)
            .WithSummary("An area's figures with small numbers suppressed.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static void MapWhatIf(RouteGroupBuilder v1)
    {
        const string WhatIfDescription =
            "A what-if: the same figures document as the GET, published through the same small-number rule, with the posted " +
            "overrides applied on top of the scenario for this request alone; savings.overridden is true. Nothing is stored. " +
            "overrides is a partial object of the assumptions in the shape GET /v1/cost-benefit/assumptions answers: objects " +
            "merge field by field, other values replace, and inside unitCosts, phases and avoidedPerYear a new key adds an " +
            "entry and null removes one; version, notes, source, calibration and scenarios cannot be overridden. An unknown " +
            "field, a wrong type or an invalid value is refused with 400 listing every wrong field as a path from the body's " +
            "root (overrides.deadweight.rate). Overrides change money only: counts, what is suppressed and each ward's share " +
            "of its area's savings (worked out from the published counts) are the GET's.";

        v1.MapPost("/wards/{wardCode}/figures/what-if", async Task<Results<Ok<FiguresResponse>, ProblemHttpResult>> (string wardCode, HttpContext http, WardOperations wards) =>
            {
                var (whatIf, problem) = await WhatIfAsync(http);
                return problem ?? Figures(await wards.WhatIfWardFiguresAsync(CallerFactory.FromPrincipal(http.User), wardCode, whatIf!), http);
            })
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .Accepts<FiguresWhatIfBody>("application/json")
            .WithName("WhatIfWardFigures")
            .WithTags(ApiTags.Figures)
            .WithSummary("A ward's figures with your own cost-benefit assumptions on top of a scenario; small numbers suppressed as on the GET; nothing stored.")
            .WithDescription(WhatIfDescription)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        MapNotJson(v1, HttpMethods.Post, "/wards/{wardCode}/figures/what-if", QpPolicies.Commission);

        v1.MapPost("/areas/{areaId}/figures/what-if", async Task<Results<Ok<FiguresResponse>, ProblemHttpResult>> (string areaId, HttpContext http, WardOperations wards) =>
            {
                var (whatIf, problem) = await WhatIfAsync(http);
                return problem ?? Figures(await wards.WhatIfAreaFiguresAsync(CallerFactory.FromPrincipal(http.User), areaId, whatIf!), http);
            })
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .Accepts<FiguresWhatIfBody>("application/json")
            .WithName("WhatIfAreaFigures")
            .WithTags(ApiTags.Figures)
            .WithSummary("An area's figures with your own cost-benefit assumptions on top of a scenario; nothing stored.")
            .WithDescription(WhatIfDescription)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        MapNotJson(v1, HttpMethods.Post, "/areas/{areaId}/figures/what-if", QpPolicies.Commission);

        v1.MapGet("/cost-benefit/assumptions", async Task<Results<Ok<JsonElement>, ProblemHttpResult>> (HttpContext http, WardOperations wards) =>
            {
                var result = await wards.GetCostBenefitAssumptionsAsync(CallerFactory.FromPrincipal(http.User));
                if (!result.IsOk)
                {
                    return Problems.From(result, http);
                }

                using var document = JsonDocument.Parse(result.Value!);
                return TypedResults.Ok(document.RootElement.Clone());
            })
            .RequireAuthorization(QpPolicies.Commission)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("GetCostBenefitAssumptions")
            .WithTags(ApiTags.Figures)
            .WithSummary("The cost-benefit assumptions in force: unit costs with their sources, discount bands, optimism bias, deadweight, benefit scale, costs, phases, ward shares, scenarios and calibration.")
            .WithDescription("The JSON of Figures/Data/cost-benefit.v1.json as the silos loaded it, field for field (camelCase): version, notes, " +
                "source, calibration (comparedLine, tolerance, targets, notes), horizonYears, discountRates (bands of fromYear, toYear, rate; source, " +
                "notes), optimismBias and deadweight (rate, source, notes), benefitScale (factor, notes), costs (setUp, annualRunning, source, notes), " +
                "unitCosts by id (name, agency, unit, unitCost, source, notes), phases by id (fromYear, toYear, avoidedPerYear by unit-cost id, notes), " +
                "wardShares (needWeights by level, notes) and scenarios by name (notes, overrides). Rates are fractions (0.035 is 3.5%), money " +
                "pounds. A what-if's overrides name these same paths.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// A what-if's body: an object of overrides (required, an object), scenario, period and asOf (strings, or null for the
    /// default), and nothing else. Every field that is wrong is named, as a path from the body's root.
    /// </summary>
    private static async Task<(FiguresWhatIf? WhatIf, ProblemHttpResult? Problem)> WhatIfAsync(HttpContext http)
    {
        var (body, problem) = await JsonBody.ReadAsync(http);
        if (problem is not null)
        {
            return (null, problem);
        }

        using (body)
        {
            var root = body!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.Invalid(http, "$", "must be a JSON object"));
            }

            var errors = new List<FieldProblem>();
            string? overrides = null;
            if (root.TryGetProperty("overrides", out var posted) && posted.ValueKind != JsonValueKind.Null)
            {
                if (posted.ValueKind == JsonValueKind.Object)
                {
                    overrides = posted.GetRawText();
                }
                else
                {
                    errors.Add(new FieldProblem("overrides", "must be a JSON object of assumptions"));
                }
            }

            var whatIf = new FiguresWhatIf(StringField(root, "period", errors), StringField(root, "asOf", errors), StringField(root, "scenario", errors), overrides);
            errors.AddRange(root.EnumerateObject()
                .Where(p => p.Name is not ("overrides" or "scenario" or "period" or "asOf"))
                .Select(p => new FieldProblem(p.Name, "is not a field of a what-if (overrides, scenario, period, asOf)")));

            // The operation answers these with its own rules' errors and the overrides', so one answer names every wrong field.
            return (whatIf with { BodyProblems = errors }, null);
        }
    }

    private static void MapStreams(RouteGroupBuilder v1)
    {
        v1.MapGet("/stream/risk", Results<ServerSentEventsStream, ProblemHttpResult> (HttpContext http, WardOperations wards, string? ward) =>
                Stream(wards.StreamRiskChanges(CallerFactory.FromPrincipal(http.User), CallerFactory.AccessUntil(http.User), ward, ServerSentEventsStream.LastEventIdOf(http.Request), http.RequestAborted), http))
            .RequireAuthorization(QpPolicies.EarlyIntervention)
            .WithName("StreamRiskChanges")
            .WithTags(ApiTags.LiveStreams)
            .WithStreamParameters()
            .WithSummary("Server-sent events: a snapshot, then risk-changed for each family whose risk changes in the ward and risk-removed ({familyId, wardCode}) for each that leaves it. Resume with Last-Event-ID. The stream ends when the token expires.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        v1.MapGet("/stream/figures", async Task<Results<ServerSentEventsStream, ProblemHttpResult>> (HttpContext http, WardOperations wards, string? ward) =>
                Stream(await wards.StreamWardFiguresAsync(CallerFactory.FromPrincipal(http.User), CallerFactory.AccessUntil(http.User), ward, ServerSentEventsStream.LastEventIdOf(http.Request), http.RequestAborted), http))
            .RequireAuthorization(QpPolicies.Commission)
            .WithName("StreamWardFigures")
            .WithTags(ApiTags.LiveStreams)
            .WithStreamParameters()
            .WithSummary("Server-sent events: the ward's published figures whenever they change. Resume with Last-Event-ID.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// The stream's place is given back when the request ends, however it ends (the client gone, the write failing),
    /// and even if the stream never started writing.
    /// </summary>
    private static Results<ServerSentEventsStream, ProblemHttpResult> Stream(OperationResult<LiveStream> result, HttpContext http)
    {
        if (!result.IsOk)
        {
            return Problems.From(result, http);
        }

        http.Response.RegisterForDispose(result.Value!);
        return new ServerSentEventsStream(result.Value!.Updates);
    }

    /// <summary>
    /// Answers 415 for a body to a JSON route that is neither JSON nor gRPC. Routing drops the JSON route for another media
    /// type, and at <c>/v1/contacts</c> (two segments) gRPC's catch-all for unknown services is then still a candidate: its
    /// constraint refuses anything but gRPC, so without this route the request ended as a bare 404. Ordered after both,
    /// this route never takes JSON (the route itself wins) or gRPC (the catch-all wins, and answers Unimplemented).
    /// </summary>
    private static void MapNotJson(RouteGroupBuilder v1, string method, string pattern, string policy) =>
        v1.MapMethods(pattern, [method], JsonBody.UnsupportedMediaType)
            .RequireAuthorization(policy)
            .WithOrder(1)
            .WithMetadata(JsonBody.NotJsonMarker)
            .ExcludeFromDescription();

    private static void MapAudit(RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", async Task<Results<Ok<AuditLogPage>, ProblemHttpResult>> (HttpContext http, AuditOperations audit, string? user, string? family, string? from, string? to, string? page, string? pageSize) =>
            {
                var errors = new List<FieldProblem>();
                var fromInstant = QueryValues.Instant(from, "from", errors);
                var toInstant = QueryValues.Instant(to, "to", errors);
                var pageNumber = QueryValues.Int(page, "page", errors);
                var size = QueryValues.Int(pageSize, "pageSize", errors);
                if (errors.Count > 0)
                {
                    AuditOperations.Check(user, family, fromInstant, toInstant, pageNumber, size, errors);
                    return Problems.Invalid(http, errors);
                }

                var result = await audit.QueryAsync(CallerFactory.FromPrincipal(http.User), user, family, fromInstant, toInstant, pageNumber, size);
                return result.IsOk ? TypedResults.Ok(result.Value!) : Problems.From(result, http);
            })
            .RequireAuthorization(QpPolicies.Admin)
            .RequireRateLimiting(ReadsLimiter)
            .WithName("QueryAudit")
            .WithTags(ApiTags.Audit)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Reads of identifiable records: filter by user, family, from, to; paged, newest first. Send the first page's to back with later pages to page one fixed set. Each read is itself audited (audit-read).");
    }

    private static Results<Ok<FiguresHistoryResponse>, ProblemHttpResult> History(string key, OperationResult<IReadOnlyList<PublishedFigures>> result, HttpContext http)
    {
        if (!result.IsOk)
        {
            return Problems.From(result, http);
        }

        var months = result.Value!.Select(m =>
        {
            using var document = JsonDocument.Parse(m.Document);
            return new FiguresHistoryMonth(m.Period, m.AsOf, document.RootElement.Clone());
        }).ToArray();
        return TypedResults.Ok(new FiguresHistoryResponse(key, months));
    }

    private static Results<Ok<FiguresResponse>, ProblemHttpResult> Figures(OperationResult<PublishedFigures> result, HttpContext http)
    {
        if (!result.IsOk)
        {
            return Problems.From(result, http);
        }

        using var document = JsonDocument.Parse(result.Value!.Document);
        return TypedResults.Ok(new FiguresResponse(result.Value.Key, result.Value.AsOf, result.Value.Period, document.RootElement.Clone()));
    }

    private static string? StringField(JsonElement body, string name, List<FieldProblem> errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            if (name == "level")
            {
                errors.Add(new FieldProblem("$", "must be a JSON object"));
            }

            return null;
        }

        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldProblem(name, "must be a string"));
            return null;
        }

        return value.GetString();
    }
}
