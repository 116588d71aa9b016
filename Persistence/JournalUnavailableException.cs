namespace QpActors.Persistence;

/// <summary>
/// The journal's store could not take a write for a reason a retry may cure: the server could not be reached or went
/// away, or a lock or a resource was not to be had in time. The write may even have committed (the connection broke
/// after the batch was sent); a retry with the same event ids is then answered from the stored events, as duplicates
/// with their original versions. Whoever answers a person turns this into "busy, retry shortly", not an error.
/// </summary>
public sealed class JournalUnavailableException : Exception
{
    public JournalUnavailableException()
        : base("The event store is unavailable.")
    {
    }

    public JournalUnavailableException(string message)
        : base(message)
    {
    }

    public JournalUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
