using Latchkey.Core.Credentials;
using Latchkey.Core.Credentials.Imported;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>One user to import: a login with the password hash another system made, from line <c>Line</c> of a file.</summary>
internal sealed record ImportRow(long Line, string? Login, string? PasswordHash, string? Role);

/// <summary>A row that was not imported, and why.</summary>
internal sealed record ImportRejection(long Line, string Reason);

/// <summary>What one batch came to: imported, skipped (the login exists already) and rejected rows.</summary>
internal sealed record ImportBatchResult(int Imported, int Skipped, IReadOnlyList<ImportRejection> Rejected)
{
    public IReadOnlyDictionary<ImportedHashFormat, int> ImportedByFormat { get; init; } = new Dictionary<ImportedHashFormat, int>();
}

/// <summary>
/// Moves users in from another system, with the password hashes it made (see <see cref="ImportedHash"/>): each
/// user's next successful login replaces the foreign hash with Argon2id. A batch commits whole or not at all, with
/// an audit entry per user; a login that exists already is skipped, so a re-run after a crash imports only the rest.
/// </summary>
internal sealed class UserImportService(IUserStore users, IUnitOfWork work, AuditLog audit, TimeProvider time)
{
    /// <summary>The verifier column's width (<c>users.secret_verifier</c>).</summary>
    public const int MaxVerifierLength = 256;

    /// <summary>
    /// Imports <paramref name="rows"/> into the caller's tenant as human users. <paramref name="seen"/> carries the
    /// logins of earlier batches of the same file (with their lines), so a login twice in one file is refused.
    /// </summary>
    public async Task<ImportBatchResult> ImportBatchAsync(
        AuthenticatedCaller caller, IReadOnlyList<ImportRow> rows, IDictionary<string, long> seen, CancellationToken cancellationToken)
    {
        var rejected = new List<ImportRejection>();
        var candidates = new List<(ImportRow Row, User User, ImportedHashFormat Format)>(rows.Count);
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            var login = LoginNormalizer.Normalize(row.Login);
            if (login is null)
            {
                rejected.Add(new(row.Line, $"a login of 1 to {LoginNormalizer.MaxLength} printable characters is required"));
                continue;
            }

            if (!ImportedHash.TryCreateVerifier(row.PasswordHash, out var verifier, out var format, out var error))
            {
                rejected.Add(new(row.Line, error!));
                continue;
            }

            if (verifier.Length > MaxVerifierLength)
            {
                rejected.Add(new(row.Line, $"password hash too long (at most {MaxVerifierLength} characters with its {ImportedHash.Prefix(format)} prefix)"));
                continue;
            }

            var role = TenantRole.Member;
            if (!string.IsNullOrWhiteSpace(row.Role) && !TenantRoles.TryParse([row.Role.Trim().ToLowerInvariant()], out role))
            {
                rejected.Add(new(row.Line, $"unknown role \"{row.Role}\" (owner, admin or member)"));
                continue;
            }

            if (seen.TryGetValue(login, out var firstLine))
            {
                rejected.Add(new(row.Line, $"login repeated (first on line {firstLine})"));
                continue;
            }

            seen[login] = row.Line;
            candidates.Add((row, new User
            {
                Id = Guid.CreateVersion7(now),
                TenantId = caller.TenantId,
                Kind = UserKind.Human,
                Login = login,
                SecretVerifier = verifier,
                Role = role,
                CreatedAt = now,
            }, format));
        }

        // Note: one retry: a login taken between the check and the insert (a sign-up racing the import) is found by
        // the second check and skipped; the unique index, not the check, is what keeps logins unique.
        for (var attempt = 0; ; attempt++)
        {
            var taken = await users.FindTakenLoginsAsync(candidates.Select(c => c.User.Login).ToList(), cancellationToken);
            var fresh = candidates.Where(c => !taken.Contains(c.User.Login)).ToList();
            var entries = fresh.Select(c => audit.Create(caller, AuditEvents.UserImported, c.User.Id,
                $"role {TenantRoles.Name(c.User.Role)}, hash {ImportedHash.Prefix(c.Format)}")).ToList();
            await using (var transaction = await work.BeginAsync(cancellationToken))
            {
                if (fresh.Count == 0 || await users.CreateManyAsync(fresh.Select(c => c.User).ToList(), entries, cancellationToken))
                {
                    await transaction.CommitAsync(cancellationToken);
                    return new ImportBatchResult(fresh.Count, candidates.Count - fresh.Count, rejected)
                    {
                        ImportedByFormat = fresh.GroupBy(c => c.Format).ToDictionary(g => g.Key, g => g.Count()),
                    };
                }
            }

            if (attempt == 1)
            {
                throw new InvalidOperationException("Logins of the batch kept being taken while it was imported.");
            }
        }
    }
}
