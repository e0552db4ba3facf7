using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>
/// The one verifier for API keys and machine tokens alike: parse (checksum first), look up by the public part,
/// compare the secret's digest in constant time, then check expiry. It runs on every request, so it makes one
/// indexed read, no write, and leaves last-use bookkeeping to <see cref="LastUseRecorder"/>.
/// </summary>
internal sealed class CredentialValidator(
    ISessionStore sessions,
    IUserStore users,
    LastUseRecorder lastUse,
    TimeProvider time,
    IOptions<LatchkeySessionOptions> options)
{
    private readonly LatchkeySessionOptions _options = options.Value;

    public async Task<CredentialCheck> ValidateAsync(string token, string? appId, CancellationToken cancellationToken)
    {
        if (!TokenFormat.TryParse(token, out var parsed))
        {
            return CredentialFailure.Malformed;
        }

        return parsed.Kind == TokenKind.ApiKey
            ? await ValidateApiKeyAsync(parsed, appId, cancellationToken)
            : await ValidateMachineTokenAsync(parsed, cancellationToken);
    }

    private async Task<CredentialCheck> ValidateApiKeyAsync(ParsedToken parsed, string? appId, CancellationToken cancellationToken)
    {
        if (appId is null)
        {
            return CredentialFailure.AppIdMissing;
        }

        var session = await sessions.FindByKeyIdAsync(parsed.PublicPart, cancellationToken);
        if (session is null || !SecretDigest.Matches(session.KeyDigest, parsed.SecretDigest))
        {
            return CredentialFailure.Unknown;
        }

        // Note: ordinal comparison of a non-secret value; the key is useless without the app id it was issued for.
        if (!string.Equals(session.AppId, appId, StringComparison.Ordinal))
        {
            return CredentialFailure.AppMismatch;
        }

        var now = time.GetUtcNow();
        if (now >= session.ExpiresAt)
        {
            return CredentialFailure.Expired;
        }

        if (now >= session.LastUsedAt + _options.IdleTimeout)
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

        lastUse.RecordSession(session.SessionId, session.LastUsedAt, now);
        return new AuthenticatedCaller(session.UserId, session.TenantId, session.Login, session.Kind, session.Role,
            session.Scopes, session.SessionId, session.AppId);
    }

    private async Task<CredentialCheck> ValidateMachineTokenAsync(ParsedToken parsed, CancellationToken cancellationToken)
    {
        var user = await users.FindByLoginAsync(parsed.PublicPart, cancellationToken);
        if (user is null || user.Kind != UserKind.Machine || !SecretDigest.Matches(user.SecretVerifier, parsed.SecretDigest))
        {
            return CredentialFailure.Unknown;
        }

        if (user.Disabled)
        {
            return CredentialFailure.Disabled;
        }

        lastUse.RecordUser(user.Id, user.LastUsedAt, time.GetUtcNow());
        return new AuthenticatedCaller(user.Id, user.TenantId, user.Login, user.Kind, user.Role, user.Scopes, null, null);
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
    private CredentialCheck(AuthenticatedCaller? caller, CredentialFailure failure)
    {
        Caller = caller;
        Failure = failure;
    }

    public AuthenticatedCaller? Caller { get; }

    public CredentialFailure Failure { get; }

    public static implicit operator CredentialCheck(AuthenticatedCaller caller) => new(caller, CredentialFailure.None);

    public static implicit operator CredentialCheck(CredentialFailure failure) => new(null, failure);
}
