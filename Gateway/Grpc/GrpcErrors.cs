using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Application;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Grpc;

/// <summary>
/// Failures as gRPC statuses with rich details (google.rpc.Status): field errors as BadRequest field
/// violations, a retry hint as RetryInfo, a break-glass refusal as ErrorInfo. The same mapping as HTTP.
/// </summary>
public static class GrpcErrors
{
    public const string ErrorDomain = "qpactors";

    public static RpcException ToRpcException<T>(OperationResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var code = result.Status switch
        {
            OperationStatus.Invalid => Code.InvalidArgument,
            OperationStatus.NotFound => Code.NotFound,
            OperationStatus.Forbidden or OperationStatus.BreakGlassRequired => Code.PermissionDenied,
            OperationStatus.Unprocessable => Code.FailedPrecondition,
            OperationStatus.Unavailable => Code.Unavailable,
            OperationStatus.LimitReached => Code.ResourceExhausted,
            _ => throw new InvalidOperationException("A successful result is not an error."),
        };
        var status = new Google.Rpc.Status { Code = (int)code, Message = result.Detail ?? code.ToString() };
        if (result.Errors.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.AddRange(result.Errors.Select(e => new BadRequest.Types.FieldViolation { Field = e.Field, Description = e.Message }));
            status.Details.Add(Any.Pack(badRequest));
        }

        if (result.RetryAfter is { } retryAfter)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }));
        }

        if (result.Status == OperationStatus.BreakGlassRequired)
        {
            status.Details.Add(Any.Pack(new ErrorInfo
            {
                Reason = "BREAK_GLASS_REQUIRED",
                Domain = ErrorDomain,
                Metadata =
                {
                    ["field"] = "break_glass_reason",
                    ["minimumLength"] = FamilyOperations.MinimumBreakGlassReasonLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["maximumLength"] = FamilyOperations.MaximumBreakGlassReasonLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            }));
        }

        return status.ToRpcException();
    }

    public static T ValueOrThrow<T>(OperationResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.IsOk ? result.Value! : throw ToRpcException(result);
    }

    public static Grains.Interfaces.Caller CallerOf(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CallerFactory.FromPrincipal(context.GetHttpContext().User);
    }
}
