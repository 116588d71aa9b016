namespace QpActors.Simulation.Import;

/// <summary>The file as a whole cannot be read (no header, or a required column is missing); single bad rows never throw.</summary>
public sealed class CsvImportException : Exception
{
    public CsvImportException()
    {
    }

    public CsvImportException(string message)
        : base(message)
    {
    }

    public CsvImportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
