using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using QpActors.Domain.Events;
using QpActors.Gateway.Application;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Http;

/// <summary>
/// What <c>/openapi/v1.json</c> says beyond what the endpoints' own metadata gives: the bearer scheme and which operations
/// need it, the answers every authenticated or limited route can give (401, 503 with <c>Retry-After</c>), the members a
/// problem can carry, query parameters with their real types, and the fixed values of wire enums. Derived from the
/// endpoints' metadata where it can be, so a route added later is described the same way without being listed here.
/// Only the <c>/v1</c> API is described: the dashboard's own routes are an administrator's page, not a contract.
/// </summary>
public static class OpenApiContract
{
    /// <summary>The security scheme's name in the document.</summary>
    public const string BearerScheme = "bearer";

    private const string ProblemJson = "application/problem+json";

    /// <summary>
    /// Query parameters by name: each route reads them as strings and reports a bad one as a field error, so the framework
    /// alone would describe them all as strings.
    /// </summary>
    private static readonly Dictionary<string, Func<OpenApiSchema>> QueryParameters = new(StringComparer.Ordinal)
    {
        ["ward"] = () => new OpenApiSchema { Type = JsonSchemaType.String, Description = "The ward's code; for the early intervention team, one of its token's wards." },
        ["page"] = () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Description = "Page number, from 1 (default 1)." },
        ["pageSize"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Minimum = "1",
            Description = $"Items per page: worklist 1-{WardOperations.MaxPageSize} (default {WardOperations.DefaultPageSize}), " +
                $"audit log 1-{AuditOperations.MaxPageSize} (default {AuditOperations.DefaultPageSize}).",
        },
        ["level"] = () => Enumerated(WireName.All<ServiceLevel>(), "Only families whose suggested or set level is this one."),
        ["concern"] = () => Enumerated(WireName.All<Concern>(), "Only families with this concern open."),
        ["overdueReview"] = () => new OpenApiSchema { Type = JsonSchemaType.Boolean, Description = "true: only families with a mandated review overdue; false: only those without." },
        ["awaitingDecision"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Boolean,
            Description = "true: only families awaiting a level decision (suggested level above the level set, or above universal with none set); false: only the others.",
        },
        ["changedSince"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "date-time",
            Description = "Only families whose score or suggested level changed at or after this instant: ISO 8601 with an offset, e.g. 2026-11-20T08:00:00Z (a + offset as %2B).",
        },
        ["from"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "date-time",
            Description = "Inclusive start: an ISO 8601 instant (2026-11-20T10:15:00Z) or a date (taken as midnight UTC).",
        },
        ["to"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "date-time",
            Description = "Exclusive end: an ISO 8601 instant or a date. Send the first page's to back with every later page.",
        },
        ["asOf"] = () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date", Description = "The day the figures are for (yyyy-MM-dd, the programme's calendar); default today." },
        ["period"] = () => Enumerated(["month", "quarter", "rolling-12-months"], "The period the indicators cover; default rolling-12-months."),
        ["scenario"] = () => new OpenApiSchema { Type = JsonSchemaType.String, Description = "A cost-benefit scenario by name; default default." },
    };

    public static OpenApiOptions AddQpContract(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ShouldInclude = description => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            DescribeDocument(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            DescribeOperation(operation, context);
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonPropertyInfo is null)
            {
                DescribeSchema(schema, context.JsonTypeInfo.Type, context.JsonTypeInfo.Properties);
            }

            return Task.CompletedTask;
        });
        return options;
    }

    /// <summary>Documents a value the route reads from the request itself rather than binding it (a header, or a query value read by hand).</summary>
    public static TBuilder WithReadParameter<TBuilder>(this TBuilder builder, ParameterLocation location, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = location,
                Required = false,
                Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            return Task.CompletedTask;
        });

    /// <summary>The parameters every live stream reads by hand: where to resume, and the token from a client that cannot send headers.</summary>
    public static TBuilder WithStreamParameters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .WithReadParameter(ParameterLocation.Header, "Last-Event-ID", "Resume after this update id (the id of the last update seen); without it, or when the id is no longer kept, the stream starts with a snapshot.")
            .WithReadParameter(ParameterLocation.Query, "lastEventId", "As Last-Event-ID, for clients that cannot set headers; the header wins when both are sent.")
            .WithReadParameter(ParameterLocation.Query, "access_token", "The bearer token, for clients that cannot send headers (a browser's EventSource); never logged.");

    private static void DescribeDocument(OpenApiDocument document)
    {
        document.Info.Title = "QpActors gateway";
        document.Info.Description = "The HTTP JSON API of the QpActors gateway. Every /v1 operation takes a JWT bearer token " +
            "(./qp token prints one for local use); failures are RFC 9457 problem details (application/problem+json) whose " +
            "type URIs are listed in docs/design.md, \"Problem details\". The gRPC twins are in Gateway/Protos (reflection on the gRPC port).";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT with one role claim (frontline, early-intervention, commission or admin), a subject, and the " +
                "bindings of its role (service or champion; ward, repeated). The live streams also take it as access_token in the query.",
        };
    }

    private static void DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];
        var authenticated = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (authenticated)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            var unauthorized = Problem(operation, StatusCodes.Status401Unauthorized, "No valid bearer token: missing, expired, signed with another key, or naming no subject or not exactly one role.", context.Document);
            unauthorized.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
            unauthorized.Headers["WWW-Authenticate"] = new OpenApiHeader { Description = "Bearer, with the reason the token was refused when it had one.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Problem(operation, StatusCodes.Status503ServiceUnavailable, "Busy or briefly unavailable; nothing was changed by this request. Retry after Retry-After seconds.", context.Document);
        }

        foreach (var (status, response) in operation.Responses)
        {
            if (status is "429" or "503" && response is OpenApiResponse answer)
            {
                answer.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
                answer.Headers["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" } };
            }
        }

        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Query && parameter.Name is { } name && QueryParameters.TryGetValue(name, out var schema))
            {
                var described = schema();
                parameter.Schema = described;
                parameter.Description ??= described.Description;

                // Every route that takes a ward in its query refuses to go without one.
                parameter.Required |= name == "ward";
            }
        }
    }

    /// <summary>The problem response for <paramref name="status"/>, added with the problem-details schema if the route did not declare it.</summary>
    private static OpenApiResponse Problem(OpenApiOperation operation, int status, string description, OpenApiDocument? document)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var declared) && declared is OpenApiResponse existing)
        {
            return existing;
        }

        var added = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                [ProblemJson] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), document) },
            },
        };
        operation.Responses[key] = added;
        return added;
    }

    private static void DescribeSchema(OpenApiSchema schema, Type type, IEnumerable<System.Text.Json.Serialization.Metadata.JsonPropertyInfo> properties)
    {
        // A member left out when null (or default) is not always there, so it cannot be required.
        foreach (var property in properties)
        {
            var ignore = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>().FirstOrDefault();
            if (ignore is { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault })
            {
                schema.Required?.Remove(property.Name);
            }
        }

        if (type == typeof(ProblemDetails))
        {
            DescribeProblem(schema);
        }
        else if (type == typeof(ContactEventBody))
        {
            // Which of these an event needs depends on its type (docs/design.md's table; GET /v1/event-types).
            foreach (var conditional in (string[])["familyId", "childId", "data"])
            {
                schema.Required?.Remove(conditional);
            }

            SetEnum(schema, "type", EventCatalogue.Types.Select(t => t.Name));
        }
        else if (type == typeof(ContactBatchBody))
        {
            schema.Description = $"At most {Hosting.ApiLimits.MaxBatchItems} events, recorded in order; the body may also be the array of events itself.";
        }
        else if (type == typeof(ReceiptResponse))
        {
            SetEnum(schema, "status", ["accepted", "duplicate", "rejected"]);
        }
        else if (type == typeof(SetLevelBody) || type == typeof(LevelDecision))
        {
            SetEnum(schema, "level", WireName.All<ServiceLevel>());
        }
        else if (type == typeof(ReviewView))
        {
            SetEnum(schema, "review", WireName.All<MandatedReview>());
            SetEnum(schema, "status", ["not-yet-due", "due", "completed-on-time", "completed-late", "overdue", "missed"]);
        }
        else if (type == typeof(OverdueReviewView))
        {
            SetEnum(schema, "review", WireName.All<MandatedReview>());
        }
        else if (type == typeof(ConcernView))
        {
            SetEnum(schema, "concern", WireName.All<Concern>());
        }
        else if (type == typeof(EventTypeResponse))
        {
            SetEnum(schema, "childId", WireName.All<ChildIdRule>());
        }
        else if (type == typeof(ChildRiskView))
        {
            // A child inside a family's risk status never carries a history (the family's history names each child
            // event that changed its score); the contract's member exists for the grains alone.
            schema.Properties?.Remove("history");
            schema.Required?.Remove("history");
        }

        if (schema.Properties is { } members)
        {
            foreach (var name in (string[])["suggestedLevel", "previousLevel"])
            {
                if (members.ContainsKey(name))
                {
                    SetEnum(schema, name, WireName.All<ServiceLevel>());
                }
            }
        }
    }

    private static void DescribeProblem(OpenApiSchema schema)
    {
        schema.Description = "RFC 9457 problem details. type is one of the stable URIs of docs/design.md (\"Problem details\"), " +
            "one per status; errors lists the wrong fields of a request that changed nothing (values that do not parse are reported before the others are checked).";
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        schema.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Description = "400 only: each wrong field, as a JSON path into the body (data.dateOfBirth, events[3].type, $ for the whole body) or the name of the query, path or header value.",
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(StringComparer.Ordinal) { "field", "message" },
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["field"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                },
            },
        };
        schema.Properties["breakGlassHeader"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "403 outside your wards only: the header that carries a break-glass reason (X-Break-Glass-Reason)." };
        schema.Properties["minimumReasonLength"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "With breakGlassHeader: the shortest reason taken, in characters after trimming." };
        schema.Properties["maximumReasonLength"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "With breakGlassHeader: the longest reason taken, in characters after trimming." };
        schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, for the operators' logs." };
    }

    private static void SetEnum(OpenApiSchema schema, string property, IEnumerable<string> values)
    {
        if (schema.Properties?.TryGetValue(property, out var member) == true && member is OpenApiSchema described)
        {
            described.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        }
    }

    private static OpenApiSchema Enumerated(IEnumerable<string> values, string description) => new()
    {
        Type = JsonSchemaType.String,
        Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
        Description = description,
    };
}
