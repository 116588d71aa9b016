using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class GrpcApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Recording_then_reading_risk_over_grpc_works_like_http()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        var childId = Ids.Child();
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var frontline = gateway.GrpcHeaders(TestCaller.ServiceWorker());

        var registered = await contacts.RecordAsync(FamilyRegistered(familyId, ward), frontline);
        var birth = Event("birth-notified", familyId, childId, new Struct
        {
            Fields =
            {
                ["dateOfBirth"] = Value.ForString(DateTime.UtcNow.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                ["wardCode"] = Value.ForString(ward),
            },
        });
        var born = await contacts.RecordAsync(birth, frontline);
        var again = await contacts.RecordAsync(birth, frontline);

        Assert.Equal("accepted", registered.Status);
        Assert.Equal("accepted", born.Status);
        Assert.Equal("duplicate", again.Status);

        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var status = await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(TestCaller.EarlyIntervention(ward)));

        Assert.Equal(familyId, status.FamilyId);
        Assert.Equal(ward, status.WardCode);
        Assert.Contains(status.Children, c => c.ChildId == childId);
        Assert.False(status.HasSetLevel);
    }

    [Fact]
    public async Task Review_dates_are_calendar_dates_on_both_transports_not_instants_at_midnight()
    {
        // Born 20 days ago: the new birth visit was due from day 10 to day 14, so it is overdue (and so is the antenatal review). Each date is the day
        // itself: "yyyy-MM-dd" over HTTP, a google.type.Date over gRPC, never an instant a client would shift nor a string it must parse. The same
        // holds for the child's date of birth and expected due date on the risk status, and an unreached infant's date of birth.
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        var childId = Ids.Child();
        var frontline = TestCaller.ServiceWorker();
        var dateOfBirth = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-20));
        var expectedDueDate = dateOfBirth.AddDays(3);
        var booked = TestEvents.Event(null, "pregnancy-booked", familyId, childId,
            new JsonObject { ["expectedDueDate"] = Day(expectedDueDate), ["gestationWeeks"] = 11 }, DateTimeOffset.UtcNow.AddDays(-220));
        using (var registered = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", frontline, TestEvents.FamilyRegistered(familyId, ward).ToJsonString()))
        using (var pregnancy = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", frontline, booked.ToJsonString()))
        using (var born = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", frontline, TestEvents.BirthNotified(familyId, childId, ward, daysAgo: 20).ToJsonString()))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, registered.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, pregnancy.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, born.StatusCode);
        }

        var practitioner = TestCaller.EarlyIntervention(ward);
        using var http = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);
        var grpc = await new FamiliesService.FamiliesServiceClient(gateway.Grpc).GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(practitioner));

        var status = await ContactApiTests.Json(http);
        var child = Assert.Single(status.GetProperty("children").EnumerateArray());
        var visit = Assert.Single(child.GetProperty("reviews").EnumerateArray(), r => r.GetProperty("review").GetString() == "new-birth");
        var overdue = Assert.Single(status.GetProperty("overdueReviews").EnumerateArray(), r => r.GetProperty("review").GetString() == "new-birth");
        Assert.Equal(Day(dateOfBirth), child.GetProperty("dateOfBirth").GetString());
        Assert.Equal(Day(expectedDueDate), child.GetProperty("expectedDueDate").GetString());
        Assert.Equal(Day(dateOfBirth.AddDays(10)), visit.GetProperty("dueFrom").GetString());
        Assert.Equal(Day(dateOfBirth.AddDays(14)), visit.GetProperty("dueBy").GetString());
        Assert.Equal(JsonValueKind.Null, visit.GetProperty("completedOn").ValueKind);
        Assert.Equal(Day(dateOfBirth.AddDays(14)), overdue.GetProperty("dueBy").GetString());

        var grpcChild = Assert.Single(grpc.Children);
        var grpcVisit = Assert.Single(grpcChild.Reviews, r => r.Review_ == "new-birth");
        var dueBy = dateOfBirth.AddDays(14);
        Assert.Equal((dueBy.Year, dueBy.Month, dueBy.Day), (grpcVisit.DueByDate.Year, grpcVisit.DueByDate.Month, grpcVisit.DueByDate.Day));
        Assert.Null(grpcVisit.CompletedOnDate);
        Assert.Equal(DateObject(dateOfBirth), DateInJson(grpcChild, "dateOfBirth"));
        Assert.Equal(DateObject(expectedDueDate), DateInJson(grpcChild, "expectedDueDate"));
        SameOnBothTransports.AssertSame(overdue, Assert.Single(grpc.OverdueReviews, r => r.Review == "new-birth"));

        // The whole status reads the same on both, down to each child's family and rules version. A child's own score
        // history is not part of a family's status (the family's history names the child events behind its changes), so
        // it is absent rather than an empty list that would read as "nothing changed".
        SameOnBothTransports.AssertSame(status, grpc, "asOf");
        Assert.Equal(familyId, grpcChild.FamilyId);
        Assert.False(child.TryGetProperty("history", out _));
        Assert.NotEmpty(status.GetProperty("history").EnumerateArray());

        await gateway.DrainAsync();
        using var unreachedHttp = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/unreached", practitioner);
        var unreachedGrpc = await new WardsService.WardsServiceClient(gateway.Grpc).GetUnreachedAsync(new UnreachedRequest { WardCode = ward }, gateway.GrpcHeaders(practitioner));
        var infant = Assert.Single((await ContactApiTests.Json(unreachedHttp)).GetProperty("items").EnumerateArray());
        Assert.Equal(Day(dateOfBirth), infant.GetProperty("dateOfBirth").GetString());
        Assert.Equal(DateObject(dateOfBirth), DateInJson(Assert.Single(unreachedGrpc.Items), "dateOfBirth"));
        SameOnBothTransports.AssertSame(infant, Assert.Single(unreachedGrpc.Items));
    }

    // A field of a gRPC message as proto3's JSON form writes it: google.type.Date is an object of year, month and day.
    private static string DateInJson(IMessage message, string name)
    {
        using var json = JsonDocument.Parse(JsonFormatter.Default.Format(message));
        var value = json.RootElement.GetProperty(name);
        return value.ValueKind == JsonValueKind.Object
            ? $"year {value.GetProperty("year")}, month {value.GetProperty("month")}, day {value.GetProperty("day")}"
            : value.GetRawText();
    }

    private static string DateObject(DateOnly day) => $"year {day.Year}, month {day.Month}, day {day.Day}";

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_grpc_call_to_a_path_of_the_json_api_is_still_unimplemented()
    {
        // The JSON API answers 415 for bodies of other media types at its routes; gRPC's own content type must still
        // reach gRPC's catch-all for unknown services.
        var marshaller = Marshallers.Create<Empty>(e => e.ToByteArray(), Empty.Parser.ParseFrom);
        var method = new Method<Empty, Empty>(MethodType.Unary, "v1", "contacts", marshaller, marshaller);
        var options = new CallOptions(gateway.GrpcHeaders(TestCaller.ServiceWorker()));

        var error = await Assert.ThrowsAsync<RpcException>(() => gateway.Grpc.CreateCallInvoker().AsyncUnaryCall(method, null, options, new Empty()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task An_invalid_event_over_grpc_is_invalid_argument_with_field_violations()
    {
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var bad = Event("birth-notified", Ids.Family(), Ids.Child(), new Struct { Fields = { ["wardCode"] = Value.ForString("queens-park"), ["weight"] = Value.ForNumber(3.2) } });

        var error = await Assert.ThrowsAsync<RpcException>(() => contacts.RecordAsync(bad, gateway.GrpcHeaders(TestCaller.ServiceWorker())).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var details = error.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(details);
        var fields = details.FieldViolations.Select(v => v.Field).ToArray();
        Assert.Contains("data.dateOfBirth", fields);
        Assert.Contains("data.weight", fields);
    }

    [Fact]
    public async Task A_batch_over_grpc_counts_its_receipts_as_http_does()
    {
        var ward = Ids.Ward();
        var midwife = TestCaller.ServiceWorker("midwifery");
        var registered = TestEvents.FamilyRegistered(Ids.Family(), ward);
        var undated = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward);
        undated["data"]!.AsObject().Remove("dateOfBirth");
        var overHttp = new System.Text.Json.Nodes.JsonArray(registered, registered.DeepClone(), undated);
        var again = FamilyRegistered(Ids.Family(), ward);
        var overGrpc = new ContactBatch
        {
            Events = { again, again.Clone(), Event("birth-notified", Ids.Family(), Ids.Child(), new Struct { Fields = { ["wardCode"] = Value.ForString(ward) } }) },
        };
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);

        using var http = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", midwife, overHttp.ToJsonString());
        var grpc = await contacts.RecordBatchAsync(overGrpc, gateway.GrpcHeaders(midwife));

        // The same shape of batch with its own ids: accepted, duplicate, rejected on both.
        SameOnBothTransports.AssertSame(await ContactApiTests.Json(http), grpc, "eventId");
        Assert.Equal((1, 1, 1), (grpc.Accepted, grpc.Duplicates, grpc.Rejected));
    }

    [Fact]
    public async Task A_family_outside_the_callers_wards_over_grpc_asks_for_break_glass()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        await contacts.RecordAsync(FamilyRegistered(familyId, ward), gateway.GrpcHeaders(TestCaller.ServiceWorker()));
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var elsewhere = gateway.GrpcHeaders(TestCaller.EarlyIntervention(Ids.Ward()));

        var error = await Assert.ThrowsAsync<RpcException>(() => families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, elsewhere).ResponseAsync);
        var opened = await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId, BreakGlassReason = "Police request under safeguarding protocol" }, elsewhere);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("BREAK_GLASS_REQUIRED", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Equal(familyId, opened.FamilyId);
    }

    [Fact]
    public async Task A_break_glass_reason_over_the_maximum_length_over_grpc_is_invalid_argument_naming_the_field()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        await contacts.RecordAsync(FamilyRegistered(familyId, ward), gateway.GrpcHeaders(TestCaller.ServiceWorker()));
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var request = new RiskStatusRequest { FamilyId = familyId, BreakGlassReason = new string('x', Application.FamilyOperations.MaximumBreakGlassReasonLength + 1) };

        var error = await Assert.ThrowsAsync<RpcException>(() => families.GetRiskStatusAsync(request, gateway.GrpcHeaders(TestCaller.EarlyIntervention(Ids.Ward()))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations;
        Assert.NotNull(violations);
        Assert.Contains(violations, v => v.Field == "breakGlassReason");
    }

    [Fact]
    public async Task The_grpc_health_service_answers_without_a_token()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(gateway.Grpc);

        var reply = await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Reflection_describes_the_hand_bound_families_service_as_the_proto_declares_it()
    {
        var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(gateway.Grpc);
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { FileContainingSymbol = "qp.v1.FamiliesService" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();
        await call.RequestStream.CompleteAsync();

        Assert.Contains("qp.v1.FamiliesService", services);
        Assert.Contains("qp.v1.ContactsService", services);
        var service = Assert.Single(files.SelectMany(f => f.Service), s => s.Name == "FamiliesService");
        var read = Assert.Single(service.Method, m => m.Name == "GetRiskStatus");
        Assert.Equal(".qp.v1.RiskStatus", read.OutputType);
    }

    /// <summary>The proto's comments promise RESOURCE_EXHAUSTED for a message over 1 MiB, as HTTP answers 413, and nothing of it recorded.</summary>
    [Fact]
    public async Task A_message_over_the_size_limit_is_resource_exhausted_and_records_nothing()
    {
        var ward = Ids.Ward();
        var first = FamilyRegistered(Ids.Family(), ward);
        var oversized = FamilyRegistered(Ids.Family(), ward);
        oversized.Data.Fields["padding"] = Value.ForString(new string('x', (int)QpActors.Gateway.Hosting.ApiLimits.MaxRequestBodyBytes));
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var caller = gateway.GrpcHeaders(TestCaller.ServiceWorker());

        var refused = await Assert.ThrowsAsync<RpcException>(() => contacts.RecordBatchAsync(new ContactBatch { Events = { first, oversized } }, caller).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("accepted", (await contacts.RecordAsync(first, caller)).Status);
    }

    internal static ContactEvent FamilyRegistered(string familyId, string ward) => Event("family-registered", familyId, null, new Struct
    {
        Fields = { ["wardCode"] = Value.ForString(ward), ["housing"] = Value.ForString("social-rented") },
    });

    internal static ContactEvent Event(string type, string familyId, string? childId, Struct data)
    {
        var contact = new ContactEvent
        {
            EventId = Ids.Event(),
            Type = type,
            OccurredAt = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            FamilyId = familyId,
            Data = data,
        };
        if (childId is not null)
        {
            contact.ChildId = childId;
        }

        return contact;
    }
}
