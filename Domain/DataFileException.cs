namespace QpActors.Domain;

/// <summary>A practitioner-edited data file (rules, schedule) is malformed; <see cref="Problems"/> lists every problem found.</summary>
public sealed class DataFileException : Exception
{
    public DataFileException()
        : this("The data file is malformed.", [])
    {
    }

    public DataFileException(string message)
        : this(message, [])
    {
    }

    public DataFileException(string message, Exception innerException)
        : base(message, innerException) => Problems = [message];

    public DataFileException(string file, IReadOnlyList<string> problems)
        : base($"{file} is malformed: {string.Join("; ", problems)}") => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
