using Microsoft.Data.Sqlite;

namespace Latchkey.Storage.Sqlite;

/// <summary>Reads SQLite's result codes.</summary>
internal sealed class SqliteStorageErrorClassifier : IStorageErrorClassifier
{
    public static SqliteStorageErrorClassifier Instance { get; } = new();

    private const int SqliteConstraint = 19;

    public StorageErrorKind Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Note: SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
                case SqliteException { SqliteExtendedErrorCode: 2067 or 1555 }:
                    return StorageErrorKind.UniqueViolation;
                case SqliteException { SqliteErrorCode: SqliteConstraint }:
                    return StorageErrorKind.Other;

                // Note: every other result code (BUSY and LOCKED past the busy timeout, CANTOPEN, IOERR, FULL, READONLY)
                // is the file, not the request: the host answers 503 and the caller may retry.
                case SqliteException or TimeoutException:
                    return StorageErrorKind.Unavailable;
            }
        }

        return StorageErrorKind.Other;
    }
}
