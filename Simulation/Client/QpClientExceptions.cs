using System.Net;

namespace QpActors.Simulation.Client;

/// <summary>The gateway answered with an error status (after any retries); <see cref="Problem"/> holds its problem+json body.</summary>
public class QpGatewayException : Exception
{
    public QpGatewayException()
    {
    }

    public QpGatewayException(string message)
        : base(message)
    {
    }

    public QpGatewayException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public QpGatewayException(HttpStatusCode statusCode, GatewayProblem? problem, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Problem = problem;
    }

    public HttpStatusCode? StatusCode { get; }

    public GatewayProblem? Problem { get; }
}

/// <summary>No connection could be made to the gateway at all (refused, DNS, timeout).</summary>
public sealed class GatewayUnreachableException : QpGatewayException
{
    public GatewayUnreachableException()
    {
    }

    public GatewayUnreachableException(string message)
        : base(message)
    {
    }

    public GatewayUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
