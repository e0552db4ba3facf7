using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>Reads PostgreSQL's SQLSTATEs (Appendix A of its manual) and Npgsql's connection errors.</summary>
internal sealed class PostgresErrorClassifier : IStorageErrorClassifier
{
    public StorageErrorKind? Classify(Exception exception)
    {
        // Note: EF wraps the provider's error (in DbUpdateException, InvalidOperationException), hence the walk.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }:
                    return StorageErrorKind.UniqueViolation;
                case PostgresException postgres:
                    return IsUnavailable(postgres.SqlState) ? StorageErrorKind.Unavailable : StorageErrorKind.Other;

                // Note: an NpgsqlException that is not a PostgresException never reached the server's SQL: a refused or
                // broken connection, a timeout, an exhausted pool. The host answers 503 and the caller may retry.
                case NpgsqlException or TimeoutException:
                    return StorageErrorKind.Unavailable;
            }
        }

        return null;
    }

    // Note: class 08 is connection exceptions; 57P01-57P03 are the server shutting down, crashed or starting; class 53
    // is insufficient resources (too many connections, disk full); 40001/40P01 (serialization failure, deadlock) and
    // 55P03 (lock not available) are lost races a retry wins.
    private static bool IsUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable;
}
