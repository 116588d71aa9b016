using System.Text.Json.Nodes;
using QpActors.Simulation.Client;

namespace QpActors.Simulation.Import;

public enum ImportStatus
{
    Imported,
    Duplicate,
    Rejected,
}

/// <summary>
/// The outcome for one CSV row. <see cref="RowNumber"/> is the row as a spreadsheet shows it (the header is row 1).
/// <see cref="Event"/> is the wire-format event for a good row; rows rejected here never reach the gateway.
/// </summary>
public sealed record ImportRowResult(int RowNumber, ImportStatus Status, string? Reason, string? EventId, JsonObject? Event)
{
    public static ImportRowResult Rejected(int row, string reason, string? eventId = null) => new(row, ImportStatus.Rejected, reason, eventId, null);

    /// <summary>The row after the gateway answered: a re-import comes back as duplicate, a refusal as rejected with its field errors.</summary>
    public ImportRowResult WithReceipt(ContactReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return receipt.Status switch
        {
            ContactReceipt.Accepted => this with { Status = ImportStatus.Imported, Reason = null },
            ContactReceipt.Duplicate => this with { Status = ImportStatus.Duplicate, Reason = "already recorded by the gateway" },
            _ => this with
            {
                Status = ImportStatus.Rejected,
                Reason = receipt.Errors is { Count: > 0 } errors
                    ? "gateway: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))
                    : "gateway rejected the event",
            },
        };
    }
}
