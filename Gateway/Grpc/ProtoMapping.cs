using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using QpActors.Gateway.Application;
using QpActors.Grains.Interfaces;
using V1 = QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Grpc;

/// <summary>Between protobuf messages and the application layer's types; no decisions are made here.</summary>
public static class ProtoMapping
{
    /// <summary>The wire JSON object the catalogue checks, built from the protobuf form of an event.</summary>
    public static void WriteWire(Utf8JsonWriter writer, V1.ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(contact);
        writer.WriteStartObject();

        // proto3 cannot tell an empty string from a missing one; missing gives the clearer error.
        if (contact.EventId.Length > 0)
        {
            writer.WriteString("eventId", contact.EventId);
        }

        if (contact.Type.Length > 0)
        {
            writer.WriteString("type", contact.Type);
        }

        if (contact.OccurredAt.Length > 0)
        {
            writer.WriteString("occurredAt", contact.OccurredAt);
        }

        if (contact.HasFamilyId)
        {
            writer.WriteString("familyId", contact.FamilyId);
        }

        if (contact.HasChildId)
        {
            writer.WriteString("childId", contact.ChildId);
        }

        if (contact.Data is not null)
        {
            writer.WritePropertyName("data");
            writer.WriteRawValue(JsonFormatter.Default.Format(contact.Data));
        }

        writer.WriteEndObject();
    }

    public static JsonDocument ToWire(V1.ContactEvent contact) => Build(writer => WriteWire(writer, contact));

    public static JsonDocument ToWire(IEnumerable<V1.ContactEvent> contacts) => Build(writer =>
    {
        writer.WriteStartArray();
        foreach (var contact in contacts)
        {
            WriteWire(writer, contact);
        }

        writer.WriteEndArray();
    });

    public static V1.Receipt ToProto(ContactReceipt receipt, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var proto = new V1.Receipt
        {
            EventId = receipt.EventId,
            Status = Http.ReceiptResponse.StatusName(receipt.Status),
            Version = receipt.Version,
            Index = index,
        };
        proto.Errors.AddRange(receipt.Errors.Select(e => new V1.FieldError { Field = e.Field, Message = e.Message }));
        return proto;
    }

    /// <summary>A batch's receipts in batch order, counted as the HTTP batch response counts them.</summary>
    public static V1.BatchReceipts ToProto(IReadOnlyList<BatchReceipt> receipts)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        var proto = new V1.BatchReceipts();
        foreach (var item in receipts)
        {
            proto.Receipts.Add(ToProto(item.Receipt, item.Index));
            switch (item.Receipt.Status)
            {
                case ReceiptStatus.Accepted:
                    proto.Accepted++;
                    break;
                case ReceiptStatus.Duplicate:
                    proto.Duplicates++;
                    break;
                default:
                    proto.Rejected++;
                    break;
            }
        }

        return proto;
    }

    public static V1.RiskStatus ToProto(FamilyRiskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var proto = new V1.RiskStatus
        {
            FamilyId = status.FamilyId,
            Score = status.Score,
            SuggestedLevel = status.SuggestedLevel,
            RulesVersion = status.RulesVersion,
            Version = status.Version,
            AsOf = Timestamp.FromDateTimeOffset(status.AsOf),
            Synthetic = status.Synthetic,
        };
        if (status.WardCode is not null)
        {
            proto.WardCode = status.WardCode;
        }

        if (status.SetLevel is { } decision)
        {
            proto.SetLevel = decision.Level;
            proto.SetLevelDecision = new V1.LevelDecision
            {
                Level = decision.Level,
                Reason = decision.Reason,
                SetBy = decision.SetBy,
                SetAt = Timestamp.FromDateTimeOffset(decision.SetAt),
                EventId = decision.EventId,
            };
            if (decision.Practitioner is not null)
            {
                proto.SetLevelDecision.Practitioner = decision.Practitioner;
            }

            if (decision.PractitionerName is not null)
            {
                proto.SetLevelDecision.PractitionerName = decision.PractitionerName;
            }
        }

        proto.Factors.AddRange(status.Factors.Select(ToProto));
        proto.Children.AddRange(status.Children.Select(ToProto));
        proto.OverdueReviews.AddRange(status.OverdueReviews.Select(o => new V1.OverdueReview { ChildId = o.ChildId, Review = o.Review, DueByDate = Day(o.DueBy) }));
        proto.OpenConcerns.AddRange(status.OpenConcerns.Select(c => new V1.OpenConcern { Concern = c.Concern, RaisedOn = Stamp(c.RaisedOn), EventId = c.EventId }));
        proto.History.AddRange(status.History.Select(ToProto));
        proto.RecentEvents.AddRange(status.RecentEvents.Select(ToProto));
        proto.MarkedInError.AddRange((status.MarkedInError ?? []).Select(ToProto));
        return proto;
    }

    private static V1.MarkedInError ToProto(MarkedInErrorView mark)
    {
        var proto = new V1.MarkedInError
        {
            MarkedEventId = mark.MarkedEventId,
            MarkEventId = mark.MarkEventId,
            RecordedBy = mark.RecordedBy,
            MarkedAt = Stamp(mark.MarkedAt),
            Reason = mark.Reason,
        };
        if (mark.ChildId is not null)
        {
            proto.ChildId = mark.ChildId;
        }

        return proto;
    }

    private static V1.HistoryEntry ToProto(HistoryEntry entry)
    {
        var proto = new V1.HistoryEntry { OccurredAt = Stamp(entry.OccurredAt), Type = entry.Type, EventId = entry.EventId, RecordedBy = entry.RecordedBy };
        if (entry.Practitioner is not null)
        {
            proto.Practitioner = entry.Practitioner;
        }

        if (entry.PractitionerName is not null)
        {
            proto.PractitionerName = entry.PractitionerName;
        }

        return proto;
    }

    public static V1.WorklistPage ToProto(WorklistPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var proto = new V1.WorklistPage { WardCode = page.WardCode, Page = page.Page, PageSize = page.PageSize, Total = page.Total };
        foreach (var item in page.Items)
        {
            var line = new V1.WorklistItem
            {
                FamilyId = item.FamilyId,
                Score = item.Score,
                SuggestedLevel = item.SuggestedLevel,
                OverdueReviews = item.OverdueReviews,
                UpdatedAt = Stamp(item.UpdatedAt),
                Synthetic = item.Synthetic,
                AwaitingDecision = item.AwaitingDecision,
                RiskChangedAt = Stamp(item.RiskChangedAt),
                LevelChangedAt = Stamp(item.LevelChangedAt),
            };
            if (item.SetLevel is not null)
            {
                line.SetLevel = item.SetLevel;
            }

            if (item.LevelChangedFrom is not null)
            {
                line.LevelChangedFrom = item.LevelChangedFrom;
            }

            line.OpenConcerns.AddRange(item.OpenConcerns);
            line.TopFactors.AddRange(item.TopFactors);
            proto.Items.Add(line);
        }

        return proto;
    }

    public static V1.UnreachedList ToProto(string wardCode, IReadOnlyList<UnreachedInfant> infants)
    {
        ArgumentNullException.ThrowIfNull(infants);
        var proto = new V1.UnreachedList { WardCode = wardCode, Count = infants.Count };
        foreach (var infant in infants)
        {
            var item = new V1.UnreachedInfant { ChildId = infant.ChildId, BirthDate = Day(infant.DateOfBirth), Synthetic = infant.Synthetic };
            if (infant.FamilyId is not null)
            {
                item.FamilyId = infant.FamilyId;
            }

            item.Champions.AddRange(infant.Champions);
            proto.Items.Add(item);
        }

        return proto;
    }

    public static V1.Figures ToProto(PublishedFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        return new V1.Figures
        {
            Key = figures.Key,
            AsOf = Timestamp.FromDateTimeOffset(figures.AsOf),
            Period = figures.Period,
            Figures_ = JsonParser.Default.Parse<Struct>(figures.Document),
        };
    }

    /// <summary>
    /// A Struct as the text of its JSON object, for an operation that reads JSON as HTTP sends it; null when the field is
    /// unset (a required object left out). Its numbers are doubles: 0.035 reads back as 0.035.
    /// </summary>
    public static string? JsonOf(Struct? value) => value is null ? null : JsonFormatter.Default.Format(value);

    /// <summary>The assumptions' JSON as the HTTP answer carries it.</summary>
    public static V1.CostBenefitAssumptions ToProto(string assumptionsJson) =>
        new() { Assumptions = JsonParser.Default.Parse<Struct>(assumptionsJson) };

    /// <summary>A figures history: the same months and names as the HTTP history.</summary>
    public static V1.FiguresHistory ToProto(string key, IReadOnlyList<PublishedFigures> months)
    {
        ArgumentNullException.ThrowIfNull(months);
        var proto = new V1.FiguresHistory { Key = key };
        foreach (var month in months)
        {
            proto.Months.Add(new V1.FiguresMonth
            {
                Month = month.Period,
                TakenAt = Timestamp.FromDateTimeOffset(month.AsOf),
                Figures = JsonParser.Default.Parse<Struct>(month.Document),
            });
        }

        return proto;
    }

    public static V1.Update ToProto(FeedUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new V1.Update { Id = update.Id, Kind = update.Kind, Data = JsonParser.Default.Parse<Struct>(update.Data) };
    }

    public static V1.AuditPage ToProto(AuditLogPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var proto = new V1.AuditPage { Page = page.Page, PageSize = page.PageSize, HasMore = page.HasMore, To = Stamp(page.To) };
        foreach (var entry in page.Items)
        {
            var item = new V1.AuditEntry
            {
                At = Stamp(entry.At),
                UserId = entry.UserId,
                Role = entry.Role,
                Action = entry.Action,
                BreakGlass = entry.BreakGlass,
            };
            if (entry.FamilyId is not null)
            {
                item.FamilyId = entry.FamilyId;
            }

            if (entry.ChildId is not null)
            {
                item.ChildId = entry.ChildId;
            }

            if (entry.Purpose is not null)
            {
                item.Purpose = entry.Purpose;
            }

            if (entry.Reason is not null)
            {
                item.Reason = entry.Reason;
            }

            if (entry.Detail is not null)
            {
                item.Detail = entry.Detail;
            }

            proto.Items.Add(item);
        }

        return proto;
    }

    /// <summary>
    /// A timestamp a client sent, or a field error naming <paramref name="field"/> when it is none: seconds outside years
    /// 1-9999 or nanos outside 0-999,999,999 (which <see cref="Timestamp.ToDateTimeOffset"/> would throw on, a 500).
    /// </summary>
    public static DateTimeOffset? Instant(Timestamp? stamp, string field, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (stamp is null)
        {
            return null;
        }

        if (stamp.Nanos is < 0 or > 999_999_999 ||
            stamp.Seconds < FirstSecond || stamp.Seconds > LastSecond)
        {
            errors.Add(new FieldProblem(field, "must be a valid timestamp: seconds within years 1-9999 and nanos 0-999999999"));
            return null;
        }

        return stamp.ToDateTimeOffset();
    }

    // The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    private const long FirstSecond = -62_135_596_800;
    private const long LastSecond = 253_402_300_799;

    private static V1.Factor ToProto(FactorView factor)
    {
        var proto = new V1.Factor { Id = factor.Id, Description = factor.Description, Weight = factor.Weight };
        proto.EventIds.AddRange(factor.EventIds);
        if (factor.ChildId is not null)
        {
            proto.ChildId = factor.ChildId;
        }

        return proto;
    }

    private static V1.RiskChange ToProto(RiskChange change) => new()
    {
        At = Stamp(change.At),
        Score = change.Score,
        SuggestedLevel = change.SuggestedLevel,
        PreviousScore = change.PreviousScore,
        PreviousLevel = change.PreviousLevel,
        Cause = change.Cause,
    };

    private static V1.ChildRisk ToProto(ChildRiskView child)
    {
        var proto = new V1.ChildRisk
        {
            ChildId = child.ChildId,
            BirthDate = Day(child.DateOfBirth),
            DueDate = Day(child.ExpectedDueDate),
            Score = child.Score,
            SuggestedLevel = child.SuggestedLevel,
            Version = child.Version,
            RulesVersion = child.RulesVersion,
        };
        if (child.FamilyId is not null)
        {
            proto.FamilyId = child.FamilyId;
        }

        proto.Factors.AddRange(child.Factors.Select(ToProto));
        proto.Reviews.AddRange(child.Reviews.Select(r => new V1.Review
        {
            Review_ = r.Review,
            DueFromDate = Day(r.DueFrom),
            DueByDate = Day(r.DueBy),
            CompletedOnDate = Day(r.CompletedOn),
            Status = r.Status,
        }));
        return proto;
    }

    public static V1.ChampionSummary ToProto(ChampionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new V1.ChampionSummary
        {
            ChampionId = summary.ChampionId,
            OutreachContacts = summary.OutreachContacts,
            FamiliesSignposted = summary.FamiliesSignposted,
            SignpostedByService = { SummaryOperations.Ordered(summary.SignpostedByService) },
            SignpostedThenReached = summary.SignpostedThenReached,
            SurveysRun = summary.SurveysRun,
            DropInsHosted = summary.DropInsHosted,
            Version = summary.Version,
        };
    }

    public static V1.ServiceSummary ToProto(ServiceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var proto = new V1.ServiceSummary
        {
            ServiceId = summary.ServiceId,
            ActiveChildren = summary.ActiveChildren,
            ActiveFamilies = summary.ActiveFamilies,
            ContactsByType = { SummaryOperations.Ordered(summary.ContactsByType) },
            ContactsThisMonth = summary.ContactsThisMonth,
            ContactsLast12Months = summary.ContactsLast12Months,
            MissedAppointments = summary.MissedAppointments,
            ReferralsIn = summary.ReferralsIn,
            ReferralsOut = summary.ReferralsOut,
            SatisfactionResponses = summary.SatisfactionResponses,
            DropInsHosted = summary.DropInsHosted,
            Version = summary.Version,
        };

        // Unset, not 0, where HTTP sends null: a rate of nothing is no rate.
        if (summary.MissedAppointmentRate is { } rate)
        {
            proto.MissedAppointmentRate = rate;
        }

        if (summary.AverageSatisfaction is { } satisfaction)
        {
            proto.AverageSatisfaction = satisfaction;
        }

        return proto;
    }

    private static Timestamp? Stamp(DateTimeOffset? at) => at is { } value ? Timestamp.FromDateTimeOffset(value) : null;

    // A calendar date as a date, never as an instant at some midnight.
    private static Google.Type.Date? Day(DateOnly? date) => date is { } day ? new() { Year = day.Year, Month = day.Month, Day = day.Day } : null;

    private static JsonDocument Build(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return JsonDocument.Parse(buffer.ToArray());
    }
}
