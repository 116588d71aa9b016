using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Orleans.Runtime;
using QpActors.Gateway.Application;
using QpActors.Gateway.Grpc;
using QpActors.Gateway.Http;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>How failures leave the gateway: one mapping per transport, the same for every operation.</summary>
public sealed class OperationResultMappingTests
{
    private static readonly Caller Someone = new("u-1", "frontline", [], "midwifery", null);

    public static TheoryData<Exception> Overloads() => new()
    {
        new SiloUnavailableException("silo declared dead"),
        new GatewayTooBusyException(),
        new TimeoutException("response did not arrive in time"),
    };

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task Cluster_overload_becomes_unavailable_with_a_retry_hint(Exception overload)
    {
        var result = await GrainCalls.RunAsync<int>(Someone, () => Task.FromException<int>(overload));

        Assert.Equal(OperationStatus.Unavailable, result.Status);
        Assert.Equal(GrainCalls.RetryAfter, result.RetryAfter);
    }

    [Fact]
    public async Task Other_failures_are_not_disguised_as_overload()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GrainCalls.RunAsync<int>(Someone, () => Task.FromException<int>(new InvalidOperationException("a bug"))));
    }

    [Fact]
    public async Task The_caller_is_in_the_request_context_during_the_call_and_gone_after()
    {
        Caller? seen = null;
        await GrainCalls.RunAsync(Someone, () =>
        {
            seen = CallerContext.Current;
            return Task.FromResult(1);
        });

        Assert.Equal(Someone, seen);
        Assert.Null(CallerContext.Current);
    }

    [Theory]
    [InlineData(OperationStatus.Invalid, StatusCodes.Status400BadRequest, StatusCode.InvalidArgument)]
    [InlineData(OperationStatus.NotFound, StatusCodes.Status404NotFound, StatusCode.NotFound)]
    [InlineData(OperationStatus.Forbidden, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied)]
    [InlineData(OperationStatus.BreakGlassRequired, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied)]
    [InlineData(OperationStatus.Unprocessable, StatusCodes.Status422UnprocessableEntity, StatusCode.FailedPrecondition)]
    [InlineData(OperationStatus.Unavailable, StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable)]
    public void Each_outcome_has_one_http_status_and_one_grpc_status(OperationStatus status, int httpStatus, StatusCode grpcStatus)
    {
        var result = new OperationResult<int>(status, 0, "why", [new FieldProblem("data.x", "is wrong")], status == OperationStatus.Unavailable ? TimeSpan.FromSeconds(2) : null);
        var context = new DefaultHttpContext();

        var problem = Problems.From(result, context);
        var rpc = GrpcErrors.ToRpcException(result);

        Assert.Equal(httpStatus, problem.StatusCode);
        Assert.Equal("why", problem.ProblemDetails.Detail);
        Assert.Equal(grpcStatus, rpc.StatusCode);
        Assert.Equal(status == OperationStatus.Unavailable ? "2" : "", context.Response.Headers.RetryAfter.ToString());
    }
}
