using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>A user's app sessions: opened by login, listed, and ended one by one or all at once.</summary>
internal sealed class SessionService(ISessionStore sessions, TimeProvider time, IOptions<LatchkeySessionOptions> options)
{
    public const int MaxAppNameLength = 100;

    /// <summary>Opens a session for the app instance; the plaintext key is returned here and never again.</summary>
    public async Task<(AppSession Session, string ApiKey)> OpenAsync(Guid userId, string appId, string? appName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var keyId = TokenFormat.NewPublicPart();
        var (apiKey, digest) = TokenFormat.Create(TokenKind.ApiKey, keyId);
        var session = new AppSession
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            AppId = appId,
            AppName = appName,
            KeyId = keyId,
            KeyDigest = digest,
            CreatedAt = now,
            LastUsedAt = now,
            ExpiresAt = now + options.Value.AbsoluteLifetime,
        };
        await sessions.ReplaceAsync(session, cancellationToken);
        return (session, apiKey);
    }

    /// <summary>The user's live sessions, newest first; expired ones are not shown even before the sweeper removes them.</summary>
    public async Task<IReadOnlyList<AppSession>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var idle = options.Value.IdleTimeout;
        var all = await sessions.ListAsync(userId, cancellationToken);
        return all.Where(s => now < s.ExpiresAt && now < s.LastUsedAt + idle)
            .OrderByDescending(s => s.CreatedAt)
            .ToList();
    }

    public Task<bool> RevokeAsync(Guid userId, Guid sessionId, CancellationToken cancellationToken) =>
        sessions.DeleteAsync(userId, sessionId, cancellationToken);

    public Task<int> RevokeAllAsync(Guid userId, CancellationToken cancellationToken) =>
        sessions.DeleteAllAsync(userId, cancellationToken);
}
