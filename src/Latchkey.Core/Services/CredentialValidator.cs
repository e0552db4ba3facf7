using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>
/// The one verifier for API keys and machine tokens alike: parse (checksum first), look up by the public part,
/// compare the secret's digest in constant time, then check expiry. It runs on every request, so a credential verified
/// once is checked in memory afterwards (<see cref="CredentialCache"/>: no query, no write of its own, no allocation
/// beyond the parse but an entry once a resolution), a miss makes one indexed read without an EF Core context, shared
/// by every request that misses on the same credential at once (<see cref="CredentialReads"/>), and last-use bookkeeping is left to <see cref="LastUseRecorder"/>.
/// </summary>
internal sealed class CredentialValidator(
    CredentialCache cache,
    CredentialReads reads,
    TombstoneMisses misses,
    ICredentialChangeFeed feed,
    LatchkeyMetrics metrics,
    LastUseRecorder lastUse,
    TimeProvider time,
    IOptions<LatchkeySessionOptions> options)
{
    private readonly LatchkeySessionOptions _options = options.Value;
    private readonly TimeSpan _resolution = options.Value.EffectiveLastUsedResolution;

    /// <summary>Whether a check now would ask the cache: it is on, and the change feed is current.</summary>
    public bool AsksCache => cache.Enabled && feed.IsCurrent;

    /// <summary>
    /// Checks <paramref name="token"/>; a miss reads through <see cref="CredentialReads"/>, without a database context
    /// (so neither a hit nor a miss rents one).
    /// </summary>
    public ValueTask<CredentialCheck> ValidateAsync(ReadOnlySpan<char> token, string? appId, CancellationToken cancellationToken)
    {
        if (!TokenFormat.TryParse(token, out var parsed))
        {
            return new(CredentialFailure.Malformed);
        }

        if (parsed.Kind == TokenKind.ApiKey && appId is null)
        {
            return new(CredentialFailure.AppIdMissing);
        }

        var now = time.GetUtcNow();
        if (AsksCache)
        {
            // Note: trust is checked again after the lookup: the lease may run out while it runs, and a revoking call
            // elsewhere then no longer waits for this instance.
            if (cache.Find(parsed.PublicPart) is { } entry && entry.Kind == parsed.Kind && feed.IsCurrent
                && CheckCached(entry, parsed, appId, now) is { } known)
            {
                metrics.CacheHit();
                return new(known.FromCache());
            }

            metrics.CacheMiss();
        }

        return parsed.Kind == TokenKind.ApiKey
            ? ValidateApiKeyAsync(parsed, appId!, cancellationToken)
            : ValidateMachineTokenAsync(parsed, cancellationToken);
    }

    /// <summary>
    /// The refusal path only: why <paramref name="token"/>, refused with <paramref name="failure"/>, stopped working, or
    /// <see cref="CredentialEndReason.None"/> when it never worked, is malformed, or came with the wrong app id (the
    /// answer of a guesser, who must learn nothing). Reads a tombstone only for a well-formed credential that was not
    /// found, and at most once per such credential (<see cref="TombstoneMisses"/>).
    /// </summary>
    public ValueTask<CredentialEndReason> ExplainAsync(
        ReadOnlyMemory<char> token, string? appId, CredentialFailure failure, IServiceProvider services, CancellationToken cancellationToken)
    {
        switch (failure)
        {
            case CredentialFailure.Expired:
                return new(CredentialEndReason.Expired);
            case CredentialFailure.IdleExpired:
                return new(CredentialEndReason.Idle);
            case CredentialFailure.Disabled:
                return new(CredentialEndReason.UserDisabled);
            case CredentialFailure.Unknown:
                break;
            default:
                return new(CredentialEndReason.None);
        }

        if (!TokenFormat.TryParse(token.Span, out var parsed) || misses.Contains(parsed))
        {
            return new(CredentialEndReason.None);
        }

        return FindTombstoneAsync(parsed, appId, services, cancellationToken);
    }

    private async ValueTask<CredentialEndReason> FindTombstoneAsync(
        ParsedToken parsed, string? appId, IServiceProvider services, CancellationToken cancellationToken)
    {
        var tombstones = await services.GetRequiredService<ICredentialTombstoneStore>().FindAsync(parsed.PublicPart, cancellationToken);
        foreach (var tombstone in tombstones)
        {
            // Note: the app id is compared as on the live path: an ended key with another app id is a guess.
            if (SecretDigest.Matches(tombstone.Digest, parsed.SecretDigest)
                && (parsed.Kind == TokenKind.MachineToken || string.Equals(tombstone.AppId, appId, StringComparison.Ordinal)))
            {
                return tombstone.Reason;
            }
        }

        misses.Add(parsed);
        return CredentialEndReason.None;
    }

    /// <summary>The answer the cached entry gives, or null when the database must be asked (the session may be idle).</summary>
    private CredentialCheck? CheckCached(CachedCredential entry, ParsedToken parsed, string? appId, DateTimeOffset now)
    {
        if (!SecretDigest.Matches(entry.Digest, parsed.SecretDigest))
        {
            // Note: a machine user's previous token (in its grace period) shares the login with the cached current
            // one; only the database knows it, and it is never cached itself.
            return entry.Kind == TokenKind.MachineToken ? null : CredentialFailure.Unknown;
        }

        if (entry.Kind == TokenKind.ApiKey && !string.Equals(entry.AppId, appId, StringComparison.Ordinal))
        {
            return CredentialFailure.AppMismatch;
        }

        if (now >= entry.ExpiresAt)
        {
            cache.ForgetExpired(parsed.PublicPart);
            return CredentialFailure.Expired;
        }

        if (now >= entry.IdleAfter)
        {
            // Note: the last use the database showed is an idle timeout old; only the database knows whether another
            // instance (or this one's write) used the session since. A plain null: in a conditional expression it would
            // convert to an empty check through the caller.
            return null;
        }

        if (now >= entry.RefreshAfter)
        {
            Refresh(entry, parsed.PublicPart, now);
        }

        return entry.Caller;
    }

    /// <summary>
    /// Records the use of a cached credential whose last recorded use is a resolution old, and keeps the entry: the write
    /// a database read would have led to, without the read.
    /// </summary>
    private void Refresh(CachedCredential entry, string publicPart, DateTimeOffset now)
    {
        var recorded = entry.Caller.SessionId is { } sessionId
            ? lastUse.RecordSession(sessionId, entry.LastUse, now)
            : lastUse.RecordUser(entry.Caller.UserId, entry.LastUse, now);

        // Note: the stamp stays the one of the read that vouched for the credential, so a change since still evicts it,
        // and so does IdleAfter: a write may be lost, and must never keep a session alive.
        cache.Store(publicPart, entry with { LastUse = recorded, RefreshAfter = recorded + _resolution });
    }

    private async ValueTask<CredentialCheck> ValidateApiKeyAsync(ParsedToken parsed, string appId, CancellationToken cancellationToken)
    {
        var stamp = cache.Stamp();
        if (await reads.FindSessionAsync(parsed.PublicPart, stamp, cancellationToken) is not { } session
            || !SecretDigest.Matches(session.KeyDigest, parsed.SecretDigest))
        {
            return CredentialFailure.Unknown;
        }

        // Note: ordinal comparison of a non-secret value; the key is useless without the app id it was issued for.
        if (!string.Equals(session.AppId, appId, StringComparison.Ordinal))
        {
            return CredentialFailure.AppMismatch;
        }

        var now = time.GetUtcNow();
        var (expiresAt, idleTimeout) = Limits(session);
        if (now >= expiresAt)
        {
            return CredentialFailure.Expired;
        }

        if (now >= session.LastUsedAt + idleTimeout)
        {
            return CredentialFailure.IdleExpired;
        }

        if (session.Disabled)
        {
            return CredentialFailure.Disabled;
        }

        if (session.Superseded)
        {
            return CredentialFailure.Superseded;
        }

        var recorded = lastUse.RecordSession(session.SessionId, session.LastUsedAt, now);
        var caller = new AuthenticatedCaller(session.UserId, session.TenantId, session.Login, session.Kind, session.Role,
            session.Scopes, session.SessionId, session.AppId, EnrolmentOnly: session.EnrolmentOnly, Amr: session.Amr,
            AuthTime: session.AuthTime, IssuedAt: session.CreatedAt, ExpiresAt: session.ExpiresAt,
            MustChangePassword: session.MustChangePassword);
        Remember(parsed, session.AppId, expiresAt, recorded, caller, stamp, idleAfter: session.LastUsedAt + idleTimeout);
        return caller;
    }

    /// <summary>
    /// The session's absolute expiry and idle timeout in force: the server's, or its tenant's where shorter. Note: a
    /// session the tenant's policy ended when it was made stricter is gone already (ended with <c>tenant_policy</c>);
    /// one that reaches the tenant's limits later simply expires or goes idle.
    /// </summary>
    private (DateTimeOffset ExpiresAt, TimeSpan IdleTimeout) Limits(in SessionRow session)
    {
        var expiresAt = session.ExpiresAt;
        if (session.PolicyAbsoluteLifetimeSeconds is { } absolute && session.CreatedAt.AddSeconds(absolute) < expiresAt)
        {
            expiresAt = session.CreatedAt.AddSeconds(absolute);
        }

        var idle = session.PolicyIdleTimeoutSeconds is { } seconds && TimeSpan.FromSeconds(seconds) < _options.IdleTimeout
            ? TimeSpan.FromSeconds(seconds)
            : _options.IdleTimeout;
        return (expiresAt, idle);
    }

    private async ValueTask<CredentialCheck> ValidateMachineTokenAsync(ParsedToken parsed, CancellationToken cancellationToken)
    {
        var stamp = cache.Stamp();
        if (await reads.FindMachineUserAsync(parsed.PublicPart, stamp, cancellationToken) is not { } user)
        {
            return CredentialFailure.Unknown;
        }

        var now = time.GetUtcNow();
        var previous = false;
        if (!SecretDigest.Matches(user.SecretVerifier, parsed.SecretDigest))
        {
            // Note: the previous token of a rotation with grace works until the grace ends, checked here on every
            // request (it is never cached), so it stops on the first request after, on every instance.
            previous = user.PreviousSecretVerifier is { } verifier && now < user.PreviousSecretUntil
                && SecretDigest.Matches(verifier, parsed.SecretDigest);
            if (!previous)
            {
                return CredentialFailure.Unknown;
            }
        }

        if (user.Disabled)
        {
            return CredentialFailure.Disabled;
        }

        if (!previous && now >= user.TokenExpiresAt)
        {
            return CredentialFailure.Expired;
        }

        var recorded = lastUse.RecordUser(user.UserId, user.LastUsedAt, now);
        var caller = new AuthenticatedCaller(user.UserId, user.TenantId, user.Login, UserKind.Machine, user.Role, user.Scopes, null, null);
        if (previous)
        {
            return CredentialCheck.Deprecated(caller, user.PreviousSecretSince ?? now, user.PreviousSecretUntil!.Value);
        }

        Remember(parsed, null, user.TokenExpiresAt ?? DateTimeOffset.MaxValue, recorded, caller, stamp, idleAfter: DateTimeOffset.MaxValue);
        return caller;
    }

    /// <summary>
    /// Caches a credential the database has just vouched for, with the last use recorded for it (the stored one when
    /// recent, else this one, queued): each resolution after it a request records the next use (<see cref="Refresh"/>)
    /// without a read, and once the session could have gone idle by what the database showed (<paramref name="idleAfter"/>)
    /// the next request reads the row again, so idle expiry and the sweeper see what they would see without a cache.
    /// </summary>
    private void Remember(ParsedToken parsed, string? appId, DateTimeOffset expiresAt, DateTimeOffset recorded,
        AuthenticatedCaller caller, long stamp, DateTimeOffset idleAfter)
    {
        if (!cache.Enabled)
        {
            return;
        }

        cache.Store(parsed.PublicPart, new CachedCredential(parsed.Kind, parsed.SecretDigest, appId, expiresAt,
            recorded + _resolution, caller, stamp) { LastUse = recorded, IdleAfter = idleAfter });
    }
}

/// <summary>Why a presented credential was refused. Every one maps to the same 401 for the client.</summary>
internal enum CredentialFailure
{
    None,
    Malformed,
    Unknown,
    AppIdMissing,
    AppMismatch,
    Expired,
    IdleExpired,
    Disabled,

    /// <summary>The user's credentials changed after the session was issued (password change, disabling).</summary>
    Superseded,
}

/// <summary>Either the caller or the reason the credential was refused.</summary>
internal readonly struct CredentialCheck
{
    private CredentialCheck(AuthenticatedCaller? caller, CredentialFailure failure, bool cached = false)
    {
        Caller = caller;
        Failure = failure;
        Cached = cached;
    }

    /// <summary>Answered from the verified-credential cache, without the database.</summary>
    public bool Cached { get; }

    public CredentialCheck FromCache() => new(Caller, Failure, cached: true);

    /// <summary>A machine user's previous token in its grace period: replaced at <paramref name="since"/>, valid until <paramref name="until"/>.</summary>
    public static CredentialCheck Deprecated(AuthenticatedCaller caller, DateTimeOffset since, DateTimeOffset until) =>
        new(caller, CredentialFailure.None) { DeprecatedSince = since, SunsetAt = until };

    /// <summary>When the presented token was replaced (RFC 9745 <c>Deprecation</c>); null for a current credential.</summary>
    public DateTimeOffset? DeprecatedSince { get; private init; }

    /// <summary>When the presented token stops working (RFC 8594 <c>Sunset</c>); null for a current credential.</summary>
    public DateTimeOffset? SunsetAt { get; private init; }

    public AuthenticatedCaller? Caller { get; }

    public CredentialFailure Failure { get; }

    public static implicit operator CredentialCheck(AuthenticatedCaller caller) => new(caller, CredentialFailure.None);

    public static implicit operator CredentialCheck(CredentialFailure failure) => new(null, failure);
}
