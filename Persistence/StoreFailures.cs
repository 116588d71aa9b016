using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace QpActors.Persistence;

/// <summary>
/// One rule for what a store's failure means to whoever asked, for the journal and for Orleans' grain state alike. The
/// drivers' own exceptions (Npgsql's, Microsoft.Data.Sqlite's) must not leave a silo: Orleans has no codec for them, so
/// one reaching a gateway in another process, even as an inner exception, arrived as <c>CodecNotFoundException</c>, a 500
/// that said nothing. They are told as <see cref="JournalUnavailableException"/> (retry shortly) or
/// <see cref="StoreFailedException"/> (a retry will not help), which cross with their message alone.
/// </summary>
public static class StoreFailures
{
    /// <summary>
    /// Whether a failed read or write may pass if tried again: the store was unreachable, busy or out of a resource for
    /// the moment (ADO.NET's <see cref="DbException.IsTransient"/>, which both drivers set: connection failures, too many
    /// connections, the server starting or shutting down, serialization failures and deadlocks), the connection broke or
    /// could not be made (an <see cref="NpgsqlException"/> that is not a <see cref="PostgresException"/>, with no answer
    /// from the server), a lock not had within lock_timeout, or a statement cancelled by statement_timeout (the
    /// transaction rolled back in the last two, so the same statement may pass later), or SQLite's file or a table of it
    /// held by another connection past the busy timeout (<c>SQLITE_BUSY</c>, <c>SQLITE_LOCKED</c>: Microsoft.Data.Sqlite
    /// does not call these transient, so a write while another process held the write lock was told as a failure no retry
    /// cures). Not a constraint a write broke, nor a bug.
    /// </summary>
    public static bool MayPassOnRetry(Exception failure) =>
        failure is DbException { IsTransient: true } or IOException or TimeoutException ||
        failure is NpgsqlException and not PostgresException ||
        failure is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled } ||
        failure is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED };

    /// <summary>
    /// The failure to tell in place of <paramref name="failure"/>, with it inside for the silo's log; null when it is not
    /// the store's (already told, or not a store failure at all: a conflict, a bug in the caller), to be rethrown as it is.
    /// </summary>
    public static Exception? Told(Exception failure, string unavailable, string failed)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure switch
        {
            JournalUnavailableException or StoreFailedException => null,
            _ when MayPassOnRetry(failure) => new JournalUnavailableException(unavailable, failure),
            DbException => new StoreFailedException(failed, failure),
            _ => null,
        };
    }

    /// <summary>
    /// As <see cref="Told"/>, but with the store's own exception left out: its message is appended to the one told (after
    /// <paramref name="store"/>, how an operator names the store), and nothing else of it is kept. For a failure whose
    /// teller logs it on its own terms, as Orleans' reminder service does each failed load of its table (twice per
    /// attempt, each with the exception and everything inside it): the driver's chain of exceptions and stacks said
    /// nothing an operator acts on that the one line does not, and the caller keeps it for a debug log if it wants it.
    /// </summary>
    public static Exception? ToldAlone(Exception failure, string store, string unavailable, string failed)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return Told(failure, unavailable, failed) switch
        {
            JournalUnavailableException told => new JournalUnavailableException(WithCause(told.Message, store, failure)),
            StoreFailedException told => new StoreFailedException(WithCause(told.Message, store, failure)),
            _ => null,
        };
    }

    private static string WithCause(string told, string store, Exception cause) => $"{told} {store}: {cause.Message.TrimEnd()}";

    /// <summary>
    /// The store's failure already told (<see cref="JournalUnavailableException"/> or <see cref="StoreFailedException"/>)
    /// somewhere inside <paramref name="failure"/>, through Orleans' wrappers and aggregated exceptions; null when there is
    /// none. A log line then says what the store did rather than what wrapped it.
    /// </summary>
    public static Exception? Within(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            if (e is JournalUnavailableException or StoreFailedException)
            {
                return e;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } many)
            {
                return many.InnerExceptions.Select(Within).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }
}

/// <summary>
/// The store refused or failed an operation in a way a retry will not cure (an error the server reported that is not a
/// lock, a timeout or an outage: a constraint, a missing column after a migration that was not run). Nothing was written.
/// It crosses from a silo to a gateway with its message; the store's own exception stays in the silo's log.
/// </summary>
public sealed class StoreFailedException : Exception
{
    public StoreFailedException()
        : base("The store failed.")
    {
    }

    public StoreFailedException(string message)
        : base(message)
    {
    }

    public StoreFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
