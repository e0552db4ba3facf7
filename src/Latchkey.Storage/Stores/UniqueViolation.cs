using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal static class UniqueViolation
{
    /// <summary>
    /// Saves; false (and nothing saved) when a unique index refused the change. Note: the index, not a read before the
    /// write, decides, so two concurrent sign-ups with one login cannot both succeed.
    /// </summary>
    public static async Task<bool> TrySaveUniqueAsync(this DbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e.InnerException))
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    // Note: SQLite reports SQLITE_CONSTRAINT (19) with extended code 2067 for UNIQUE; PostgreSQL uses SQLSTATE 23505.
    private static bool IsUniqueViolation(Exception? e) =>
        e is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 } || e is DbException { SqlState: "23505" };
}
