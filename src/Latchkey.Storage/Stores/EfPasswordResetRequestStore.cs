using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Stores;

internal sealed class EfPasswordResetRequestStore(LatchkeyDbContext db) : IPasswordResetRequestStore
{
    public async Task AddAsync(QueuedPasswordReset request, CancellationToken cancellationToken)
    {
        db.PasswordResetRequests.Add(request);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Entry(request).State = EntityState.Detached;
        }
    }

    public async Task<QueuedPasswordReset?> LockNextDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = await db.LockNextPasswordResetRequestAsync(now, cancellationToken);
        return id is null ? null
            : await db.PasswordResetRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id.Value, cancellationToken);
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        db.PasswordResetRequests.Where(r => r.Id == id).ExecuteDeleteAsync(cancellationToken);

    public Task PostponeAsync(Guid id, DateTimeOffset dueAt, CancellationToken cancellationToken) =>
        db.PasswordResetRequests.Where(r => r.Id == id).ExecuteUpdateAsync(r => r.SetProperty(x => x.DueAt, dueAt), cancellationToken);

    public Task<int> DeleteOlderThanAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        db.PasswordResetRequests.Where(r => r.RequestedAt < before).ExecuteDeleteAsync(cancellationToken);

    public Task<int> CountAsync(CancellationToken cancellationToken) => db.PasswordResetRequests.CountAsync(cancellationToken);
}
