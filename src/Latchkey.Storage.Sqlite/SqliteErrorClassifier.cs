using Microsoft.Data.Sqlite;

namespace Latchkey.Storage.Sqlite;

/// <summary>SQLite's result codes (https://www.sqlite.org/rescode.html) sorted by what they mean for a caller.</summary>
internal sealed class SqliteErrorClassifier : IStorageErrorClassifier
{
    private const int Busy = 5, Locked = 6, NoMemory = 7, ReadOnly = 8, Interrupt = 9, IoError = 10, Corrupt = 11,
        Full = 13, CantOpen = 14, Protocol = 15, NotADatabase = 26;

    private const int ConstraintUnique = 2067, ConstraintPrimaryKey = 1555;

    public StorageErrorKind? Classify(Exception exception)
    {
        // Note: EF wraps the provider's error (in DbUpdateException, InvalidOperationException), hence the walk.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteExtendedErrorCode: ConstraintUnique or ConstraintPrimaryKey }:
                    return StorageErrorKind.UniqueViolation;
                case SqliteException { SqliteErrorCode: Busy or Locked or NoMemory or ReadOnly or Interrupt or IoError
                    or Corrupt or Full or CantOpen or Protocol or NotADatabase }:
                    return StorageErrorKind.Unavailable;
                case SqliteException:
                    return StorageErrorKind.Other;
                case TimeoutException:
                    return StorageErrorKind.Unavailable;
            }
        }

        return null;
    }
}
