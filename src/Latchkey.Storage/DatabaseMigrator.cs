using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Latchkey.Storage;

/// <summary>
/// Applies pending migrations (the SQLite file is created on first run), then the one-off data tasks they scheduled,
/// inside what the provider needs around them (SQLite: write-ahead logging; PostgreSQL: an advisory lock, so that
/// instances starting together migrate once).
/// </summary>
internal sealed partial class DatabaseMigrator(LatchkeyDbContext db, ILogger<DatabaseMigrator> logger)
{
    /// <summary>Returns the migrations it applied, oldest first; none when the database was up to date.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var exclusive = await db.EnterMigrationAsync(cancellationToken);
        // Note: read under the lock, so that of instances starting together only the one that applied them names them.
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        if (await db.PendingMaintenance.AnyAsync(t => t.Name == PendingMaintenance.RenormalizeLogins, cancellationToken))
        {
            await RenormalizeLoginsAsync(cancellationToken);
        }

        return pending;
    }

    /// <summary>What <c>--migrate-only</c> and <c>latchkey migrate</c> print: one line.</summary>
    public static string Describe(IReadOnlyList<string> applied) => applied.Count == 0
        ? "Database schema up to date: no migration to apply."
        : $"Applied {applied.Count} migration{(applied.Count == 1 ? "" : "s")}: {string.Join(", ", applied)}.";

    /// <summary>
    /// Brings stored human logins to the current normal form (NFKC + full case folding). A login whose new form
    /// another user already has, or would get, is left as it is and reported: merging two accounts is not ours to do.
    /// </summary>
    internal async Task<IReadOnlyList<(Guid UserId, Guid OtherUserId)>> RenormalizeLoginsAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var users = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.Kind == UserKind.Human)
            .Select(u => new { u.Id, u.Login })
            .ToListAsync(cancellationToken);
        var byLogin = users.ToDictionary(u => u.Login, u => u.Id, StringComparer.Ordinal);
        var collisions = new List<(Guid, Guid)>();
        foreach (var group in users
            .Select(u => (u.Id, u.Login, Normalized: LoginNormalizer.Normalize(u.Login) ?? u.Login))
            .Where(u => u.Normalized != u.Login)
            .GroupBy(u => u.Normalized, StringComparer.Ordinal))
        {
            var claimants = group.ToList();
            if (byLogin.TryGetValue(group.Key, out var holder) || claimants.Count > 1)
            {
                foreach (var claimant in claimants)
                {
                    var other = byLogin.TryGetValue(group.Key, out holder) ? holder : claimants.First(c => c.Id != claimant.Id).Id;
                    collisions.Add((claimant.Id, other));
                    LogLoginCollision(logger, claimant.Id, other);
                }

                continue;
            }

            var (id, _, normalized) = claimants[0];
            await db.Users.IgnoreQueryFilters().Where(u => u.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.Login, normalized), cancellationToken);
        }

        await db.PendingMaintenance.Where(t => t.Name == PendingMaintenance.RenormalizeLogins).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return collisions;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error,
        Message = "Login of user {UserId} was not renormalised: under NFKC + case folding it equals the login of user {OtherUserId}. Rename one of them.")]
    private static partial void LogLoginCollision(ILogger logger, Guid userId, Guid otherUserId);
}
