using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using QpActors.Gateway.Application;
using QpActors.Gateway.Grpc;
using QpActors.Gateway.Http;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

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

        // The event store unreachable or busy: a retry of a write that did commit is answered "duplicate".
        new JournalUnavailableException("the event store could not take the write", new IOException("connection reset")),

        // Grain state the store could not read in time: Orleans wraps the silo's signal in its own exception.
        new OrleansException("Error from storage provider qp during ReadStateAsync", new JournalUnavailableException("Grain state could not be read for the moment; retry.")),
    };

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task Cluster_overload_becomes_unavailable_with_a_retry_hint(Exception overload)
    {
        var log = new CapturingLogger();

        var result = await GrainCalls.RunAsync<int>(Someone, log, () => Task.FromException<int>(overload));

        Assert.Equal(OperationStatus.Unavailable, result.Status);
        Assert.Equal(GrainCalls.RetryAfter, result.RetryAfter);

        // The client hears that it may retry; what failed inside the cluster goes to the log only.
        Assert.DoesNotContain(overload.GetType().Name, result.Detail, StringComparison.Ordinal);
        Assert.Contains(log.Messages, m => m.Contains(overload.GetType().Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Other_failures_are_not_disguised_as_overload()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GrainCalls.RunAsync<int>(Someone, NullLogger.Instance, () => Task.FromException<int>(new InvalidOperationException("a bug"))));

        // The store failing in a way a retry will not cure, wrapped or not, is an error too.
        await Assert.ThrowsAsync<OrleansException>(() =>
            GrainCalls.RunAsync<int>(Someone, NullLogger.Instance, () => Task.FromException<int>(new OrleansException("Error from storage provider qp", new StoreFailedException("The store refused a grain-state write.")))));
    }

    [Fact]
    public async Task The_caller_is_in_the_request_context_during_the_call_and_gone_after()
    {
        Caller? seen = null;
        await GrainCalls.RunAsync(Someone, NullLogger.Instance, () =>
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
    [InlineData(OperationStatus.LimitReached, StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted)]
    public void Each_outcome_has_one_http_status_and_one_grpc_status(OperationStatus status, int httpStatus, StatusCode grpcStatus)
    {
        var retries = status is OperationStatus.Unavailable or OperationStatus.LimitReached;
        var result = new OperationResult<int>(status, 0, "why", [new FieldProblem("data.x", "is wrong")], retries ? TimeSpan.FromSeconds(2) : null);
        var context = new DefaultHttpContext();

        var problem = Problems.From(result, context);
        var rpc = GrpcErrors.ToRpcException(result);

        Assert.Equal(httpStatus, problem.StatusCode);
        Assert.Equal("why", problem.ProblemDetails.Detail);
        Assert.Equal(grpcStatus, rpc.StatusCode);
        Assert.Equal(retries ? "2" : "", context.Response.Headers.RetryAfter.ToString());
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }
    }
}
