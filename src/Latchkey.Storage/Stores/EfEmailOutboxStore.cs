using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfEmailOutboxStore(LatchkeyDbContext db) : IEmailOutboxStore
{
    public async Task AddAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        db.EmailOutbox.Add(message);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(message).State = EntityState.Detached;
        }
    }

    public async Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(
        DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        // Note: its own short transaction: the rows are locked only while they are moved one lease ahead; the sending
        // happens after the commit, so a slow SMTP server holds no database lock.
        await using var transaction = await db.BeginOrJoinTransactionAsync(cancellationToken);
        var ids = await db.LockDueEmailsAsync(now, limit, cancellationToken);
        if (ids.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return [];
        }

        await db.EmailOutbox.Where(m => ids.Contains(m.Id))
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.DueAt, leaseUntil).SetProperty(x => x.Attempts, x => x.Attempts + 1), cancellationToken);
        var claimed = await db.EmailOutbox.AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.CreatedAt).ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    public Task<DateTimeOffset?> OldestDueAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        db.EmailOutbox.AsNoTracking().Where(m => m.State == OutboxState.Pending && m.DueAt <= now)
            .OrderBy(m => m.DueAt).Select(m => (DateTimeOffset?)m.DueAt).FirstOrDefaultAsync(cancellationToken);

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        db.EmailOutbox.Where(m => m.Id == id).ExecuteDeleteAsync(cancellationToken);

    public Task RetryAsync(Guid id, DateTimeOffset dueAt, string error, CancellationToken cancellationToken) =>
        db.EmailOutbox.Where(m => m.Id == id)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.DueAt, dueAt).SetProperty(x => x.LastError, error), cancellationToken);

    public Task FailAsync(Guid id, string error, CancellationToken cancellationToken) =>
        db.EmailOutbox.Where(m => m.Id == id)
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.State, OutboxState.Failed)
                .SetProperty(x => x.Body, (byte[]?)null)
                .SetProperty(x => x.LastError, error), cancellationToken);

    public Task<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        db.EmailOutbox.Where(m => m.State == OutboxState.Pending && m.ExpiresAt <= now)
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.State, OutboxState.Failed)
                .SetProperty(x => x.Body, (byte[]?)null)
                .SetProperty(x => x.LastError, "expired unsent"), cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        db.EmailOutbox.Where(m => m.State == OutboxState.Failed && m.CreatedAt < before).ExecuteDeleteAsync(cancellationToken);
}
