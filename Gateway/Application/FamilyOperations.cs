using System.Text;
using System.Text.Json;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>A family's risk status for the early intervention team, and the practitioner's level decision.</summary>
public sealed class FamilyOperations(IGrainFactory grains, TimeProvider time, ProgrammeCalendar calendar, ILogger<FamilyOperations> logger)
{
    /// <summary>A break-glass reason must say something: at least this many characters (the family grain's own rule).</summary>
    public const int MinimumBreakGlassReasonLength = BreakGlass.MinimumReasonLength;

    /// <summary>
    /// The longest break-glass reason: every reason is written to the durable audit log, so without a bound
    /// one read could write up to a whole request (a 1 MiB gRPC message) there. The family grain's own rule.
    /// </summary>
    public const int MaximumBreakGlassReasonLength = BreakGlass.MaximumReasonLength;

    /// <summary>Why a level decision without an id is refused, in words a client developer can act on.</summary>
    public const string MissingEventId = "is required: an id the client makes once for this decision (1-128 characters of A-Z a-z 0-9 . _ : -) and sends unchanged with every retry, so a retry is never recorded twice";

    public const string RiskStatusPurpose = "risk-status";
    public const string SetLevelPurpose = "set-level";

    /// <summary>
    /// Reads a family's risk for the caller. The family grain decides access from the caller and the
    /// reason and writes the audit entry before answering; this only translates its outcome.
    /// </summary>
    public async Task<OperationResult<FamilyRiskStatus>> GetRiskStatusAsync(Caller caller, string familyId, string? breakGlassReason)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (CheckRead(familyId, breakGlassReason, out var reason) is { } errors)
        {
            return OperationResult<FamilyRiskStatus>.Invalid(errors);
        }

        var read = await GrainCalls.RunAsync(caller, logger, () =>
            grains.For<IFamilyGrain>(familyId).ReadRiskStatusAsync(new ReadPurpose(RiskStatusPurpose, reason)));
        return read.IsOk ? FromRead(read.Value!, familyId) : read.As<FamilyRiskStatus>();
    }

    /// <summary>
    /// As <see cref="GetRiskStatusAsync"/>, with the status as the HTTP API's JSON body, written by the family
    /// once per change of its status: the gateway passes the bytes on instead of serialising the status again.
    /// </summary>
    public async Task<OperationResult<FamilyRiskJson>> GetRiskStatusJsonAsync(Caller caller, string familyId, string? breakGlassReason)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (CheckRead(familyId, breakGlassReason, out var reason) is { } errors)
        {
            return OperationResult<FamilyRiskJson>.Invalid(errors);
        }

        var read = await GrainCalls.RunAsync(caller, logger, () =>
            grains.For<IFamilyGrain>(familyId).ReadRiskStatusJsonAsync(new ReadPurpose(RiskStatusPurpose, reason)));
        if (!read.IsOk)
        {
            return read;
        }

        var answer = read.Value!;
        return answer.Outcome == AccessOutcome.Granted && answer.Length > 0
            ? read
            : Refused<FamilyRiskJson>(answer.Outcome, familyId);
    }

    /// <summary>The family id's form and the break-glass reason's length (trimmed, as it is audited); null when both are fine.</summary>
    private static List<FieldProblem>? CheckRead(string familyId, string? breakGlassReason, out string? reason)
    {
        List<FieldProblem>? errors = null;
        if (!Identifiers.IsId(familyId))
        {
            (errors ??= []).Add(new FieldProblem("familyId", "must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }

        reason = string.IsNullOrWhiteSpace(breakGlassReason) ? null : breakGlassReason.Trim();
        if (reason is not null && reason.Length < MinimumBreakGlassReasonLength)
        {
            (errors ??= []).Add(new FieldProblem("breakGlassReason", $"must be at least {MinimumBreakGlassReasonLength} characters saying why the family is opened"));
        }
        else if (reason is not null && reason.Length > MaximumBreakGlassReasonLength)
        {
            (errors ??= []).Add(new FieldProblem("breakGlassReason", $"must be at most {MaximumBreakGlassReasonLength} characters"));
        }

        return errors;
    }

    /// <summary>
    /// Sets a family's service level as a <c>service-level-set</c> contact event, so the decision has the
    /// same idempotency, durability and history as any other contact. For families in the caller's wards, or one
    /// the caller opened with a break-glass reason within the family grain's window (<c>FamilyGrain.BreakGlassWindow</c>);
    /// a retry of a decision the caller made inside the window still answers its receipt after the window closed.
    /// The team records it; the caller, by their token's subject, is named as the practitioner who made it.
    /// </summary>
    /// <param name="eventId">
    /// The decision's id, required as a contact's is: the client makes it once and sends it unchanged with every retry,
    /// so a retry of a decision that was recorded answers its receipt (<c>duplicate</c>) and records nothing. An id the
    /// gateway made up would differ on each attempt, and a phone retrying after a timeout recorded the decision twice.
    /// The same id with another family, level or reason is refused (the family grain compares them, see
    /// <c>JournalRows.DuplicateReceiptAsync</c>).
    /// </param>
    public async Task<OperationResult<ContactReceipt>> SetLevelAsync(Caller caller, string familyId, string? eventId, string? level, string? reason)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var recorder = ContactOperations.RecorderOf(caller);
        if (!recorder.IsOk)
        {
            return recorder.As<ContactReceipt>();
        }

        var now = time.GetUtcNow();
        using var wire = JsonDocument.Parse(BuildLevelEvent(eventId, familyId, level, reason, now));
        // The team records the decision (receipts and retries go by the recorder); the caller's own subject names who made it.
        var parsed = EventCatalogue.Parse(wire.RootElement, recorder.Value!, now, calendar, practitioner: caller.UserId, practitionerNames: caller.Names);
        if (!parsed.IsValid)
        {
            return OperationResult<ContactReceipt>.Invalid(parsed.Errors.Select(e => e.Field == "eventId" && eventId is null
                    ? new FieldProblem("eventId", MissingEventId)
                    : new FieldProblem(LevelField(e.Field), e.Message)).ToArray());
        }

        // The family grain decides, in one call: a retry of a decision it holds is answered by its receipt; any other from a
        // token whose name cannot be kept is refused naming token.name, before access is decided (bad input leaves no audit
        // entry); a new one needs the caller to be able to open the family (in its wards, or inside a break-glass window it
        // opened with a written, audited reason), decided and audited as a read for this purpose is. No reason is taken
        // here: a read opens the window.
        var decided = await GrainCalls.RunAsync(caller, logger, () =>
            grains.For<IFamilyGrain>(familyId).DecideLevelAsync(parsed.Event!, new ReadPurpose(SetLevelPurpose, null)));
        if (!decided.IsOk)
        {
            return decided.As<ContactReceipt>();
        }

        if (decided.Value is not { Outcome: AccessOutcome.Granted, Receipt: { } receipt })
        {
            var refused = Refused<ContactReceipt>(decided.Value!.Outcome, familyId);
            return refused.Status == OperationStatus.BreakGlassRequired
                ? OperationResult<ContactReceipt>.Fail(OperationStatus.Forbidden, "Only the early intervention team of the family's ward may set its level, or a practitioner inside the break-glass window they opened on the family with a written reason.")
                : refused;
        }

        return receipt.Status == ReceiptStatus.Rejected
            ? OperationResult<ContactReceipt>.Invalid(receipt.Errors)
            : OperationResult<ContactReceipt>.Ok(receipt);
    }

    private static OperationResult<FamilyRiskStatus> FromRead(FamilyRiskRead read, string familyId) =>
        read is { Outcome: AccessOutcome.Granted, Status: { } status }
            ? OperationResult<FamilyRiskStatus>.Ok(status)
            : Refused<FamilyRiskStatus>(read.Outcome, familyId);

    /// <summary>Every outcome but a granted read with a status, as the failure both transports report.</summary>
    private static OperationResult<T> Refused<T>(AccessOutcome outcome, string familyId) => outcome switch
    {
        AccessOutcome.Granted or AccessOutcome.NotFound => OperationResult<T>.Fail(OperationStatus.NotFound, $"No family '{familyId}' is known."),
        AccessOutcome.OutOfScope => OperationResult<T>.Fail(OperationStatus.BreakGlassRequired,
            $"Family '{familyId}' is outside your wards. To open it, give a break-glass reason of {MinimumBreakGlassReasonLength} to {MaximumBreakGlassReasonLength} characters; the access is time-limited and audited."),
        _ => OperationResult<T>.Fail(OperationStatus.Forbidden, "Your role may not read identifiable family records."),
    };

    private static string BuildLevelEvent(string? eventId, string familyId, string? level, string? reason, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (eventId is not null)
            {
                writer.WriteString("eventId", eventId);
            }

            writer.WriteString("type", EventTypes.ServiceLevelSet);
            writer.WriteString("occurredAt", now);
            writer.WriteString("familyId", familyId);
            writer.WriteStartObject("data");
            if (level is not null)
            {
                writer.WriteString("level", level);
            }

            if (reason is not null)
            {
                writer.WriteString("reason", reason);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The catalogue names fields of the event it checked; the caller sent a level request (eventId, level, reason).</summary>
    private static string LevelField(string field) => field switch
    {
        "data.level" => "level",
        "data.reason" => "reason",
        _ => field,
    };
}
