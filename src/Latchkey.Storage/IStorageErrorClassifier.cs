namespace Latchkey.Storage;

/// <summary>
/// Reads a provider's exceptions (SQLite result codes, PostgreSQL SQLSTATEs) so that nothing above storage needs to
/// know the provider's exception types. Each provider registers its own.
/// </summary>
internal interface IStorageErrorClassifier
{
    /// <summary>
    /// Classifies <paramref name="exception"/>, looking through the wrappers EF puts around the provider's error
    /// (DbUpdateException, InvalidOperationException).
    /// </summary>
    StorageErrorKind Classify(Exception exception);
}
