using System.Data.Common;

namespace Latchkey.AspNetCore;

internal static class StorageFailure
{
    /// <summary>Whether <paramref name="exception"/> means the database could not be reached or used.</summary>
    public static bool IsStorageFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or TimeoutException)
            {
                return true;
            }

            // Note: EF reports a lost connection or a timeout as InvalidOperationException around the provider's error.
            if (e is InvalidOperationException && e.InnerException is DbException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
