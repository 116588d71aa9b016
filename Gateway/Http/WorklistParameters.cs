using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using QpActors.Domain.Events;
using QpActors.Gateway.Application;

namespace QpActors.Gateway.Http;

/// <summary>
/// The worklist's query parameters as a client should send them. The handler takes each as text and parses it itself, so
/// a bad value is answered with problem details naming the parameter; left alone, the document would call them all strings.
/// </summary>
public static class WorklistParameters
{
    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            switch (parameter.Name)
            {
                case "ward":
                    Describe(parameter, "The ward's code; one of your token's wards.", JsonSchemaType.String, required: true);
                    break;
                case "level":
                    Describe(parameter, "Only families whose suggested or set level is this one.", JsonSchemaType.String, values: WireName.All<ServiceLevel>());
                    break;
                case "overdueReview":
                    Describe(parameter, "true: only families with a mandated review overdue; false: only those without.", JsonSchemaType.Boolean);
                    break;
                case "concern":
                    Describe(parameter, "Only families with this concern open.", JsonSchemaType.String, values: WireName.All<Concern>());
                    break;
                case "awaitingDecision":
                    Describe(parameter,
                        "true: only families awaiting a level decision (suggested level above the level set, or above universal with none set); false: only the others.",
                        JsonSchemaType.Boolean);
                    break;
                case "changedSince":
                    Describe(parameter,
                        "Only families whose score or suggested level changed at or after this instant: ISO 8601 with an offset, e.g. 2026-11-20T08:00:00Z (a + offset as %2B).",
                        JsonSchemaType.String, format: "date-time");
                    break;
                case "page":
                    Describe(parameter, "The page, from 1 (default 1).", JsonSchemaType.Integer, format: "int32");
                    break;
                case "pageSize":
                    Describe(parameter, $"Families per page, 1-{WardOperations.MaxPageSize} (default {WardOperations.DefaultPageSize}).", JsonSchemaType.Integer, format: "int32");
                    break;
            }
        }

        return Task.CompletedTask;
    }

    private static void Describe(OpenApiParameter parameter, string description, JsonSchemaType type, string? format = null, IReadOnlyList<string>? values = null, bool required = false)
    {
        parameter.Description = description;
        parameter.Required = required;
        var schema = new OpenApiSchema { Type = type, Format = format };
        if (values is not null)
        {
            schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        }

        parameter.Schema = schema;
    }
}
