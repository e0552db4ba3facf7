using Latchkey.Storage;

namespace Latchkey.AspNetCore;

internal static class StorageFailure
{
    /// <summary>
    /// Whether <paramref name="exception"/> means the database could not be reached or used, as the provider's
    /// classifier reads it (the host then fails closed with 503).
    /// </summary>
    public static bool IsStorageFailure(this IStorageErrorClassifier errors, Exception exception) =>
        errors.Classify(exception) == StorageErrorKind.Unavailable;
}
