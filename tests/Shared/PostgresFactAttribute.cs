namespace QpActors.Tests.Shared;

/// <summary>
/// A fact that needs a PostgreSQL server, named by the environment variable QP_TEST_POSTGRES (a connection string to a
/// database the tests may create databases from); without it the test is reported as skipped, with the reason.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "QP_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set, so there is no PostgreSQL server to test against.";
        }
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) ?? throw new InvalidOperationException($"{Variable} is not set.");
}
