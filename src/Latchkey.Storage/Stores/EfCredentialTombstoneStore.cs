using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfCredentialTombstoneStore(LatchkeyDbContext db) : ICredentialTombstoneStore
{
    // Note: compiled once like the request path's other reads; it runs only when a well-formed credential is refused.
    private static readonly CompiledPerModel<Func<LatchkeyDbContext, string, IAsyncEnumerable<CredentialTombstone>>> FindByPublicPart =
        new(() => EF.CompileAsyncQuery((LatchkeyDbContext db, string publicPart) =>
            db.Tombstones.AsNoTracking().Where(t => t.PublicPart == publicPart).OrderByDescending(t => t.EndedAt).Take(16)));

    public async Task<IReadOnlyList<CredentialTombstone>> FindAsync(string publicPart, CancellationToken cancellationToken)
    {
        var found = new List<CredentialTombstone>();
        await foreach (var tombstone in FindByPublicPart.For(db)(db, publicPart).WithCancellation(cancellationToken))
        {
            found.Add(tombstone);
        }

        return found;
    }

    public Task<int> PurgeAsync(DateTimeOffset endedBefore, int batchSize, CancellationToken cancellationToken) =>
        db.Tombstones.Where(t => t.EndedAt < endedBefore).OrderBy(t => t.Id).Take(batchSize).ExecuteDeleteAsync(cancellationToken);
}
