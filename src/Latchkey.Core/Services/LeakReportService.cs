using System.Security.Cryptography;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Core.Services;

/// <summary>A credential reported as found in a public place: the token, and where and by whom it was found.</summary>
internal readonly record struct LeakedCredential(string? Token, string? Type, string? Url, string? Source);

/// <summary>
/// Takes reported leaked credentials out of service at once (reason <c>leaked</c>). The checksum is checked first, so
/// random strings cost no database work; a live API key's session ends, a live machine token is rotated out (its
/// machine user stays, with no valid token). Each revocation is audited with the report's url and source. Nothing
/// tells the reporter which tokens were live or whose they were.
/// </summary>
internal sealed class LeakReportService(IServiceScopeFactory scopes)
{
    /// <summary>The most reports one call takes.</summary>
    public const int MaxReports = 1000;

    private const int MaxWhereLength = 120;

    /// <summary>Revokes every live credential among <paramref name="reports"/>; returns how many (for logs and tests only).</summary>
    public async Task<int> ReportAsync(IReadOnlyList<LeakedCredential> reports, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var revoked = 0;
        foreach (var report in reports)
        {
            // Note: prefix, length, checksum and base32 first: a random string never reaches storage.
            if (report.Token is not { Length: > 0 } token || !TokenFormat.TryParse(token, out var parsed) || !seen.Add(parsed.PublicPart))
            {
                continue;
            }

            // Note: a scope per credential, since a scope acts in one tenant and each credential may be another's.
            await using var scope = scopes.CreateAsyncScope();
            if (await RevokeAsync(scope.ServiceProvider, parsed, report, cancellationToken))
            {
                revoked++;
            }
        }

        return revoked;
    }

    private static async Task<bool> RevokeAsync(IServiceProvider services, ParsedToken parsed, LeakedCredential report, CancellationToken cancellationToken)
    {
        var work = services.GetRequiredService<IUnitOfWork>();
        var audit = services.GetRequiredService<AuditLog>();
        Guid tenantId, userId;
        string? appId = null;
        if (parsed.Kind == TokenKind.ApiKey)
        {
            var session = await services.GetRequiredService<ISessionStore>().FindByKeyIdAsync(parsed.PublicPart, cancellationToken);
            if (session is null || !SecretDigest.Matches(session.KeyDigest, parsed.SecretDigest))
            {
                return false;
            }

            (tenantId, userId, appId) = (session.TenantId, session.UserId, session.AppId);
            services.GetRequiredService<TenantContext>().Enter(tenantId);
            await using var transaction = await work.BeginAsync(cancellationToken);
            if (!await services.GetRequiredService<ISessionStore>().DeleteAsync(userId, session.SessionId, CredentialEndReason.Leaked, cancellationToken))
            {
                return false;
            }

            await audit.RecordAsync([audit.Create(AuditEvents.CredentialLeaked, tenantId, null, userId, Describe("API key", session.SessionId, report), appId)], cancellationToken);
            await TellOwnersAsync(services, tenantId, "an API key (a signed-in app instance)", report, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            WakeSender(services);
            return true;
        }

        var users = services.GetRequiredService<IUserStore>();
        var user = await users.FindByLoginAsync(parsed.PublicPart, cancellationToken);
        if (user is not { Kind: UserKind.Machine })
        {
            return false;
        }

        (tenantId, userId) = (user.TenantId, user.Id);
        if (!SecretDigest.Matches(user.SecretVerifier, parsed.SecretDigest))
        {
            // Note: the previous token of a rotation, still in its grace period: the grace ends now (its holder hears
            // token_rotated, the reason its tombstone was given at the rotation); the current token is not the leaked one.
            if (user.PreviousSecretVerifier is not { } previous || !SecretDigest.Matches(previous, parsed.SecretDigest))
            {
                return false;
            }

            services.GetRequiredService<TenantContext>().Enter(tenantId);
            await using var graceTransaction = await work.BeginAsync(cancellationToken);
            if (!await users.EndGraceAsync(userId, cancellationToken))
            {
                return false;
            }

            await audit.RecordAsync([audit.Create(AuditEvents.CredentialLeaked, tenantId, null, userId, Describe("previous machine token", null, report), appId)], cancellationToken);
            await TellOwnersAsync(services, tenantId, $"previous token of the machine user {user.Name}", report, cancellationToken);
            await graceTransaction.CommitAsync(cancellationToken);
            WakeSender(services);
            return true;
        }

        services.GetRequiredService<TenantContext>().Enter(tenantId);
        await using (var transaction = await work.BeginAsync(cancellationToken))
        {
            // Note: a verifier of 256 random bits nobody holds: the machine user stays, with no valid token, until an
            // admin rotates it.
            var unusable = SecretDigest.ToVerifier(RandomNumberGenerator.GetBytes(32));
            if (!await users.ChangeSecretAsync(userId, unusable, null, CredentialEndReason.Leaked, cancellationToken))
            {
                return false;
            }

            await audit.RecordAsync([audit.Create(AuditEvents.CredentialLeaked, tenantId, null, userId, Describe("machine token", null, report), appId)], cancellationToken);
            await TellOwnersAsync(services, tenantId, $"token of the machine user {user.Name}", report, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        WakeSender(services);
        return true;
    }

    /// <summary>Queues the owners' notice in the revocation's transaction, so it is sent exactly when the revocation holds.</summary>
    private static Task TellOwnersAsync(IServiceProvider services, Guid tenantId, string credential, LeakedCredential report, CancellationToken cancellationToken) =>
        services.GetService<Email.SecurityNotices>() is { } notices
            ? notices.CredentialLeakedAsync(tenantId, credential, Clip(report.Url), Clip(report.Source), cancellationToken)
            : Task.CompletedTask;

    private static void WakeSender(IServiceProvider services) => services.GetService<Email.SecurityNotices>()?.Wake();

    // Note: the reporter's url and source are its own text: cut short and stripped of control characters, never the token.
    private static string Describe(string what, Guid? sessionId, LeakedCredential report) =>
        $"{what}{(sessionId is { } id ? $" (session {id})" : "")} revoked: reported leaked at {Clip(report.Url)} by {Clip(report.Source)}";

    private static string Clip(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "(not given)";
        }

        var clean = new string(text.Trim().Where(c => !char.IsControl(c)).Take(MaxWhereLength).ToArray());
        return clean.Length == 0 ? "(not given)" : clean;
    }
}
