using Microsoft.Data.Sqlite;

namespace QpActors.Persistence;

/// <summary>Where the system keeps its data.</summary>
public enum StorageKind
{
    /// <summary>Embedded default: one SQLite file, one silo.</summary>
    Sqlite,

    /// <summary>Production: PostgreSQL 15 through Npgsql.</summary>
    Postgres,
}

/// <summary>A store and how to reach it.</summary>
public sealed record StorageSettings(StorageKind Kind, string ConnectionString)
{
    /// <summary>The file name of the embedded database inside its data folder.</summary>
    public const string EmbeddedFileName = "qp.db";

    /// <summary>Seconds a SQLite connection waits for another writer before giving up.</summary>
    public const int SqliteBusyTimeoutSeconds = 30;

    /// <summary>
    /// The ADO.NET invariant the Orleans AdoNet providers expect. These are the values of
    /// Orleans' AdoNetInvariants.InvariantNamePostgreSql and InvariantNameSqlLite, spelled out
    /// so this library need not reference Orleans. "System.Data.SQLite" is served by
    /// Microsoft.Data.Sqlite.
    /// </summary>
    public string AdoInvariant => Kind switch
    {
        StorageKind.Postgres => "Npgsql",
        StorageKind.Sqlite => "System.Data.SQLite",
        _ => throw new InvalidOperationException($"Unknown storage kind {Kind}."),
    };

    /// <summary>
    /// The embedded store: <c>qp.db</c> in <paramref name="dataDirectory"/>, which is created
    /// if missing. Write-ahead logging and synchronous=FULL are applied by
    /// <see cref="SchemaMigrator"/> (WAL is a property of the file) and by every connection
    /// this library writes through; the connection string carries the busy timeout.
    /// </summary>
    public static StorageSettings Embedded(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var folder = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(folder);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, EmbeddedFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = SqliteBusyTimeoutSeconds,
        };
        return new StorageSettings(StorageKind.Sqlite, builder.ToString());
    }

    /// <summary>
    /// The store as an operator would name it in a log line or an error: PostgreSQL's host, port and database, or
    /// SQLite's file. Never the whole connection string, which may hold a password.
    /// </summary>
    public string Describe()
    {
        if (Kind == StorageKind.Postgres)
        {
            var postgres = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            return $"PostgreSQL database '{postgres.Database}' on {postgres.Host}:{postgres.Port}";
        }

        return $"SQLite file {new SqliteConnectionStringBuilder(ConnectionString).DataSource}";
    }

    /// <summary>A PostgreSQL store reached with an Npgsql connection string.</summary>
    public static StorageSettings Postgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new StorageSettings(StorageKind.Postgres, connectionString);
    }
}
