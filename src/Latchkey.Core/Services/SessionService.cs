using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>A user's app sessions: opened by login, listed, and ended one by one or all at once.</summary>
internal sealed class SessionService(
    ISessionStore sessions, IUnitOfWork work, AuditLog audit, IRequestOrigin origin, TimeProvider time, IOptions<LatchkeySessionOptions> options,
    ITenantPolicyStore policies)
{
    public const int MaxAppNameLength = 100;

    /// <summary>Opens a session for the app instance; the plaintext key is returned here and never again.</summary>
    public Task<(AppSession Session, string ApiKey)> OpenAsync(User user, string appId, string? appName, CancellationToken cancellationToken) =>
        OpenAsync(user, appId, appName, AuthenticationMethods.Password, enrolmentOnly: false, cancellationToken);

    /// <summary>
    /// Opens a session authenticated by <paramref name="amr"/> (<see cref="AuthenticationMethods"/>, space-separated);
    /// <paramref name="enrolmentOnly"/>: the tenant's policy lets it do nothing but enrol a second factor.
    /// </summary>
    public async Task<(AppSession Session, string ApiKey)> OpenAsync(
        User user, string appId, string? appName, string amr, bool enrolmentOnly, CancellationToken cancellationToken)
    {
        // Note: the tenant's policy may shorten the session's lifetime and lower the bound on live sessions per person.
        var limits = TenantPolicyService.LimitsOf(options.Value, await policies.FindAsync(user.TenantId, cancellationToken));
        var now = time.GetUtcNow();
        var keyId = TokenFormat.NewPublicPart();
        var (apiKey, digest) = TokenFormat.Create(TokenKind.ApiKey, keyId);
        var session = new AppSession
        {
            Id = Guid.CreateVersion7(now),
            UserId = user.Id,
            TenantId = user.TenantId,
            AppId = appId,
            AppName = appName,
            KeyId = keyId,
            KeyDigest = digest,
            CredentialVersion = user.CredentialVersion,
            CreatedAt = now,
            CreatedIp = origin.IpAddress is { Length: <= AppSession.MaxIpAddressLength } ip ? ip : null,
            LastUsedAt = now,
            ExpiresAt = now + limits.AbsoluteLifetime,
            Amr = amr,
            AuthTime = now,
            EnrolmentOnly = enrolmentOnly,
        };
        // Note: a login beyond the bound ends the user's least recently used sessions rather than refusing the person:
        // the one signing in is there now, an app instance unused for longest is the likeliest to be forgotten.
        var maxPerUser = limits.MaxPerUser;
        var evicted = await sessions.ReplaceAsync(session, maxPerUser, limits.IdleTimeout, cancellationToken);
        if (evicted.Count > 0)
        {
            await audit.RecordAsync(evicted.Select(e => audit.Create(AuditEvents.SessionEvicted, user.TenantId, user.Id, user.Id,
                $"session {e.Id}, least recently used, for session {session.Id} (at most {maxPerUser} live sessions)", e.AppId)).ToList(),
                cancellationToken);
        }

        return (session, apiKey);
    }

    /// <summary>A page of the user's live sessions, newest first; expired ones are not shown even before the sweeper removes them.</summary>
    public async Task<Page<AppSession>> ListAsync(Guid userId, PageRequest page, CancellationToken cancellationToken)
    {
        var probed = await sessions.ListAsync(userId, time.GetUtcNow(), options.Value.IdleTimeout, page.Probe, cancellationToken);
        return Page<AppSession>.Cut(probed, page, s => s.Id);
    }

    /// <summary>Ends one of the caller's own sessions; false when it is not one of them.</summary>
    public async Task<bool> RevokeAsync(AuthenticatedCaller caller, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await sessions.DeleteAsync(caller.UserId, sessionId, CredentialEndReason.LoggedOut, cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync(caller, AuditEvents.SessionRevoked, caller.UserId, $"session {sessionId}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The live sessions of every user of the caller's tenant, newest first.</summary>
    public async Task<IReadOnlyList<AppSession>> ListInTenantAsync(AuthenticatedCaller caller, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var idle = options.Value.IdleTimeout;
        var all = await sessions.ListInTenantAsync(caller.TenantId, cancellationToken);
        return all.Where(s => now < s.ExpiresAt && now < s.LastUsedAt + idle).ToList();
    }

    /// <summary>Ends every session of every user of the caller's tenant.</summary>
    public async Task<int> RevokeTenantAsync(AuthenticatedCaller caller, CancellationToken cancellationToken)
    {
        await using var transaction = await work.BeginAsync(cancellationToken);
        var ended = await sessions.DeleteAllInTenantAsync(caller.TenantId, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.SessionRevoked, null, $"all sessions of the tenant ({ended})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ended;
    }

    /// <summary>Ends every session of <paramref name="userId"/> (the caller's own, or a user an admin manages).</summary>
    public async Task<int> RevokeAllAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await work.BeginAsync(cancellationToken);
        // Note: one's own "log out everywhere" is a logout; anyone else ending them (an admin, the operator) revokes.
        var reason = caller.UserId == userId ? CredentialEndReason.LoggedOut : CredentialEndReason.RevokedByAdmin;
        var ended = await sessions.DeleteAllAsync(userId, reason, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.SessionRevoked, userId, $"all sessions ({ended})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ended;
    }
}
