using Latchkey.Core.Model;

namespace Latchkey.Core.Stores;

/// <summary>
/// Cross-tenant: the tombstones of ended credentials. Written by the stores that end credentials, in the transaction
/// that ends them, so a refusal that finds no row always finds the tombstone once the ending call has returned.
/// </summary>
internal interface ICredentialTombstoneStore
{
    /// <summary>The request path's refusal branch only: the tombstones under <paramref name="publicPart"/>.</summary>
    Task<IReadOnlyList<CredentialTombstone>> FindAsync(string publicPart, CancellationToken cancellationToken);

    /// <summary>Deletes at most <paramref name="batchSize"/> tombstones of credentials ended before <paramref name="endedBefore"/>.</summary>
    Task<int> PurgeAsync(DateTimeOffset endedBefore, int batchSize, CancellationToken cancellationToken);
}
