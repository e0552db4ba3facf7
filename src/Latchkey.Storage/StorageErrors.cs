namespace Latchkey.Storage;

/// <summary>What a database exception means for the caller, decided by the provider that raised it.</summary>
internal enum StorageErrorKind
{
    /// <summary>The database cannot be reached or used right now (lost connection, busy, timeout): 503, retry later.</summary>
    Unavailable,

    /// <summary>A unique index refused the change: an expected outcome where an endpoint defines a 409.</summary>
    UniqueViolation,

    /// <summary>Anything else (a missing table, a broken constraint): a bug, answered 500 and logged at Error.</summary>
    Other,
}

/// <summary>
/// Classifies database exceptions by cause. One per provider; callers ask it rather than inspecting provider
/// exception types, so that a bug never hides as an outage and an outage never reads as a bug.
/// </summary>
internal interface IStorageErrorClassifier
{
    /// <summary>
    /// The kind of <paramref name="exception"/> or of the first provider or timeout exception inside it; null when
    /// it holds none (it did not come from storage).
    /// </summary>
    StorageErrorKind? Classify(Exception exception);
}
