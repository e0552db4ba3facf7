namespace Latchkey.Core.Stores;

/// <summary>
/// The last-use writes that follow authenticated requests (LastUseWriter's batches), cross-tenant: the ids come from
/// requests that authenticated. Each provider implements it without an EF Core context, as it does
/// <see cref="ICredentialLookup"/>: after a cold start there is one write per credential in use. A singleton.
/// </summary>
internal interface ILastUseStore
{
    /// <summary>
    /// Stores each session's last use where it is later than the stored one, in the order of the ids and in short
    /// transactions (LastUseBatches); an unknown id is skipped.
    /// </summary>
    Task RecordSessionUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken);

    /// <summary>As <see cref="RecordSessionUsesAsync"/>, for users (a machine user's token).</summary>
    Task RecordUserUsesAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken);
}
