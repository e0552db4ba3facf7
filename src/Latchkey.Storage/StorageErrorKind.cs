namespace Latchkey.Storage;

/// <summary>What a storage exception means to Latchkey, whatever the provider that threw it.</summary>
internal enum StorageErrorKind
{
    /// <summary>The database could not be reached or used just now (the host answers 503 and may be retried).</summary>
    Unavailable,

    /// <summary>A unique index refused the change (an expected outcome, such as a login already taken).</summary>
    UniqueViolation,

    /// <summary>Anything else: not the database's state but a fault (a bug, a schema mismatch).</summary>
    Other,
}
