using System.Data.Common;

namespace Latchkey.AspNetCore;

internal static class StorageFailure
{
    /// <summary>Whether <paramref name="exception"/> means the database could not be reached or used.</summary>
    public static bool IsStorageFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // Note: EF wraps the provider's error (in DbUpdateException, InvalidOperationException), hence the walk.
            if (e is DbException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
