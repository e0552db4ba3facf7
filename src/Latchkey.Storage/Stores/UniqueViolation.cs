using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal static class UniqueViolation
{
    /// <summary>
    /// Saves; false (and nothing saved) when a unique index refused the change. Note: the index, not a read before the
    /// write, decides, so two concurrent sign-ups with one login cannot both succeed.
    /// </summary>
    public static async Task<bool> TrySaveUniqueAsync(this DbContext db, IStorageErrorClassifier errors, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (errors.Classify(e) == StorageErrorKind.UniqueViolation)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
