namespace QpActors.Persistence.Tests;

/// <summary>
/// A fact that needs a PostgreSQL server. The connection string comes from the environment
/// variable QP_TEST_POSTGRES (e.g. Host=127.0.0.1;Port=55433;Username=postgres;Database=postgres);
/// without it the test is reported as skipped, with the reason, rather than silently passing.
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
        Environment.GetEnvironmentVariable(Variable)
        ?? throw new InvalidOperationException($"{Variable} is not set.");
}
