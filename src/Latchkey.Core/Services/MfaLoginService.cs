using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>
/// The second step of a login: the password was right, the person has a second factor, so the first step answers with
/// an <c>mfaToken</c> instead of a session, and the second step trades it and a code for the session.
/// </summary>
internal sealed class MfaLoginService(
    ISecondFactorStore factors,
    FactorChecks checks,
    SessionService sessions,
    IUnitOfWork work,
    AuditLog audit,
    TimeProvider time,
    PasskeyService passkeys,
    Email.SecurityNotices notices,
    IRequestOrigin origin)
{
    /// <summary>Wrong codes a challenge survives; the fifth kills it (a new login must start over).</summary>
    public const int MaxFailures = 5;

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public const string TokenPrefix = "lk_mfa_";

    // Note: 256 random bits (at least 128 required): the token is a bearer credential for the rest of a login.
    private const int TokenBytes = 32;

    private static readonly int TokenLength = TokenPrefix.Length + Base32.EncodedLength(TokenBytes);

    /// <summary>The methods the second step accepts, as the first step lists them: those the person has.</summary>
    public static IReadOnlyList<string> Methods(bool totp, bool passkey) =>
        [.. totp ? new[] { "totp" } : [], .. passkey ? new[] { "passkey" } : [], .. totp ? new[] { "recovery_code" } : []];

    /// <summary>
    /// After a right password: for a person with a second factor, a challenge (the login goes on at the second step);
    /// else null and whether the tenant's policy confines the session to enrolling a factor.
    /// </summary>
    public async Task<(LoginResult? Challenge, bool EnrolmentOnly)> BeginIfRequiredAsync(
        User user, string appId, string? appName, CancellationToken cancellationToken)
    {
        var totp = await factors.FindTotpAsync(user.Id, cancellationToken) is not null;
        var passkey = await passkeys.HasPasskeyAsync(user.Id, cancellationToken);
        if (!totp && !passkey)
        {
            var policy = await factors.FindMfaPolicyAsync(user.TenantId, cancellationToken);
            return (null, MfaPolicy.Requires(policy, user.Role));
        }

        var now = time.GetUtcNow();
        Span<byte> random = stackalloc byte[TokenBytes];
        RandomNumberGenerator.Fill(random);
        var token = TokenPrefix + Base32.Encode(random);
        CryptographicOperations.ZeroMemory(random);
        var challenge = new MfaChallenge
        {
            Id = Guid.CreateVersion7(now),
            TokenDigest = Digest(token),
            UserId = user.Id,
            TenantId = user.TenantId,
            AppId = appId,
            AppName = appName,
            CredentialVersion = user.CredentialVersion,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        await factors.CreateChallengeAsync(challenge, cancellationToken);
        return (new LoginResult(LoginOutcome.MfaRequired, UserId: user.Id, MfaToken: token, MfaExpiresAt: challenge.ExpiresAt,
            MfaMethods: Methods(totp, passkey)), false);
    }

    /// <summary>
    /// Assertion options for a login's second step with a passkey: the mfaToken's person's passkeys, bound to its
    /// challenge and app instance.
    /// </summary>
    public async Task<PasskeyResult> BeginPasskeyAsync(string? mfaToken, string? appId, CancellationToken cancellationToken)
    {
        var challenge = await LiveChallengeAsync(mfaToken, appId, cancellationToken);
        if (challenge is null)
        {
            return new(PasskeyOutcome.Refused, new("mfaToken", "The mfaToken is unknown, used, expired or for another app."));
        }

        return await passkeys.BeginAssertionAsync(
            WebAuthnCeremonyKind.SecondFactor, challenge.AppId, null, challenge.UserId, null, challenge.Id, cancellationToken);
    }

    /// <summary>The second step: a TOTP code, a recovery code or a passkey for the challenge opens the session.</summary>
    public async Task<LoginResult> CompleteAsync(
        string? mfaToken, string? appId, string? code, string? recoveryCode, CancellationToken cancellationToken,
        Guid? ceremonyId = null, System.Text.Json.JsonElement? passkey = null)
    {
        var usesPasskey = passkey is { ValueKind: not System.Text.Json.JsonValueKind.Undefined and not System.Text.Json.JsonValueKind.Null };
        if ((string.IsNullOrEmpty(code) ? 0 : 1) + (string.IsNullOrEmpty(recoveryCode) ? 0 : 1) + (usesPasskey ? 1 : 0) != 1)
        {
            return new(LoginOutcome.Invalid, Error: new("code", "Give one of code, recoveryCode or passkey (with its ceremonyId)."));
        }

        var challenge = await LiveChallengeAsync(mfaToken, appId, cancellationToken);
        if (challenge is null)
        {
            return Refused(null);
        }

        var user = await factors.FindUserAsync(challenge.UserId, cancellationToken);
        var factor = user is null ? null : await factors.FindTotpAsync(user.Id, cancellationToken);
        if (user is null || user.Disabled || user.CredentialVersion != challenge.CredentialVersion || (factor is null && !usesPasskey))
        {
            // Note: the password changed, the person was disabled or lost the factor since the first step.
            await factors.ConsumeChallengeAsync(challenge.Id, MaxFailures, cancellationToken);
            return Refused(challenge.UserId);
        }

        if (usesPasskey)
        {
            var (verified, ceremony) = await passkeys.VerifyAssertionAsync(
                WebAuthnCeremonyKind.SecondFactor, ceremonyId, challenge.AppId, passkey, cancellationToken);
            if (verified is null || ceremony?.MfaChallengeId != challenge.Id || verified.User.Id != user.Id)
            {
                await factors.CountChallengeFailureAsync(challenge.Id, MaxFailures, cancellationToken);
                audit.RecordLater(audit.Create(AuditEvents.MfaFailed, user.TenantId, null, user.Id, "passkey refused", challenge.AppId));
                return Refused(user.Id);
            }

            return await OpenAsync(challenge, user, $"{AuthenticationMethods.Password} {verified.Amr}", "password and passkey", false, cancellationToken);
        }

        var usesRecovery = string.IsNullOrEmpty(code);
        var check = usesRecovery
            ? await checks.RecoveryCodeAsync(user, recoveryCode, cancellationToken)
            : await checks.TotpAsync(user, factor!, code, cancellationToken);
        if (check.Outcome == CheckOutcome.Throttled)
        {
            return new(LoginOutcome.Throttled, RetryAfter: check.RetryAfter);
        }

        if (!check.Passed)
        {
            await factors.CountChallengeFailureAsync(challenge.Id, MaxFailures, cancellationToken);
            audit.RecordLater(audit.Create(AuditEvents.MfaFailed, user.TenantId, null, user.Id, usesRecovery ? "wrong recovery code" : "wrong code", challenge.AppId));
            return Refused(user.Id);
        }

        var amr = $"{AuthenticationMethods.Password} {(usesRecovery ? AuthenticationMethods.RecoveryCode : AuthenticationMethods.OneTimePassword)}";
        return await OpenAsync(challenge, user, amr, usesRecovery ? "password and recovery code" : "password and code", usesRecovery, cancellationToken);
    }

    /// <summary>The challenge of a well-formed mfaToken, if it lives, has wrong codes to spare and is for this app instance.</summary>
    private async Task<MfaChallenge?> LiveChallengeAsync(string? mfaToken, string? appId, CancellationToken cancellationToken)
    {
        if (mfaToken is null || mfaToken.Length != TokenLength || !mfaToken.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var challenge = await factors.FindChallengeAsync(Digest(mfaToken), cancellationToken);

        // Note: the token is bound to the app instance of the first step: a token taken from one app cannot finish a
        // login in another.
        return challenge is null || time.GetUtcNow() >= challenge.ExpiresAt || challenge.Failures >= MaxFailures
            || !string.Equals(challenge.AppId, appId, StringComparison.Ordinal)
            ? null : challenge;
    }

    /// <summary>Uses the challenge up and opens the session, in one transaction.</summary>
    private async Task<LoginResult> OpenAsync(
        MfaChallenge challenge, User user, string amr, string how, bool usedRecoveryCode, CancellationToken cancellationToken)
    {
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await factors.ConsumeChallengeAsync(challenge.Id, MaxFailures, cancellationToken))
        {
            return Refused(user.Id);
        }

        // Note: as after a password alone, the new-device notice is queued with the session it tells of.
        await notices.NewDeviceAsync(user, challenge.AppId, challenge.AppName, origin.IpAddress, cancellationToken);
        var (session, apiKey) = await sessions.OpenAsync(user, challenge.AppId, challenge.AppName, amr, enrolmentOnly: false, cancellationToken);
        List<AuditEntry> entries =
        [
            audit.Create(AuditEvents.LoginSucceeded, user.TenantId, user.Id, user.Id, how, challenge.AppId),
            audit.Create(AuditEvents.SessionCreated, user.TenantId, user.Id, user.Id, $"session {session.Id}", challenge.AppId),
        ];
        if (usedRecoveryCode)
        {
            entries.Add(audit.Create(AuditEvents.MfaRecoveryCodeUsed, user.TenantId, user.Id, user.Id, null, challenge.AppId));
        }

        await audit.RecordAsync(entries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        notices.Wake();
        return new(LoginOutcome.Succeeded, session, apiKey, UserId: user.Id);
    }

    private static LoginResult Refused(Guid? userId) => new(LoginOutcome.Refused, Refusal: LoginRefusal.WrongSecondFactor, UserId: userId);

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));
}

/// <summary>The tenant's rule of which roles must have a second factor, stored as space-separated role names.</summary>
internal static class MfaPolicy
{
    public static bool Requires(string? roles, TenantRole role) =>
        !string.IsNullOrEmpty(roles) && roles.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(TenantRoles.Name(role), StringComparer.Ordinal);

    /// <summary>The stored form of <paramref name="roles"/> (owner, admin, member in that order); false on an unknown role.</summary>
    public static bool TryFormat(IReadOnlyList<string?> roles, out string stored)
    {
        stored = "";
        var known = new[] { TenantRoles.Owner, TenantRoles.Admin, TenantRoles.Member };
        if (roles.Any(r => r is null || !known.Contains(r, StringComparer.Ordinal)))
        {
            return false;
        }

        stored = string.Join(' ', known.Where(k => roles.Contains(k, StringComparer.Ordinal)));
        return true;
    }

    public static IReadOnlyList<string> Roles(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
