using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

internal enum MfaOutcome
{
    Done,
    Invalid,
    Throttled,

    /// <summary>The person already has a confirmed factor of this kind (enrolment), or has none (removal, new codes).</summary>
    Conflict,

    /// <summary>No such person in the caller's tenant, or no pending enrolment to confirm.</summary>
    NotFound,

    Forbidden,
}

/// <summary>What a change to a person's second factors came to; the secret and codes are shown once, here.</summary>
internal sealed record MfaResult(
    MfaOutcome Outcome, InputError? Error = null, TimeSpan RetryAfter = default, string? Secret = null, string? OtpauthUri = null,
    IReadOnlyList<string>? RecoveryCodes = null)
{
    public static implicit operator MfaResult(MfaOutcome outcome) => new(outcome);

    public static MfaResult Wrong(string field, string message) => new(MfaOutcome.Invalid, new InputError(field, message));

    public static MfaResult From(FactorCheck check, string field, string message) =>
        check.Outcome == CheckOutcome.Throttled ? new(MfaOutcome.Throttled, RetryAfter: check.RetryAfter) : Wrong(field, message);
}

/// <summary>
/// A person's own second factors (enrol, confirm, remove a TOTP authenticator; replace recovery codes), an owner's
/// reset of someone else's, and re-authentication of a session for step-up.
/// </summary>
internal sealed class SecondFactorService(
    IUserStore users,
    ISecondFactorStore factors,
    FactorChecks checks,
    IUnitOfWork work,
    AuditLog audit,
    TimeProvider time,
    IOptions<LatchkeyMfaOptions> options,
    IPasskeyStore passkeys,
    PasskeyService passkeyCeremonies)
{
    public const string WrongPassword = "The password is wrong.";
    public const string WrongCode = "The code is wrong, expired or already used.";

    /// <summary>Whether the caller has a confirmed authenticator app, how many recovery codes are left, how many passkeys.</summary>
    public async Task<(bool Totp, int RecoveryCodesLeft, int Passkeys)> StatusAsync(AuthenticatedCaller caller, CancellationToken cancellationToken) =>
        (await factors.FindTotpAsync(caller.UserId, cancellationToken) is not null,
            await factors.CountRecoveryCodesAsync(caller.UserId, cancellationToken),
            (await passkeys.ListAsync(caller.UserId, cancellationToken)).Count);

    /// <summary>
    /// Starts enrolling an authenticator app: a new secret, stored encrypted and pending; nothing is active until a code
    /// of it confirms it. Starting again replaces a pending secret.
    /// </summary>
    public async Task<MfaResult> StartTotpAsync(AuthenticatedCaller caller, string? password, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        if (user is null)
        {
            return MfaOutcome.NotFound;
        }

        var check = await checks.PasswordAsync(user, password, cancellationToken);
        if (!check.Passed)
        {
            return MfaResult.From(check, "password", WrongPassword);
        }

        if (await factors.FindTotpAsync(user.Id, cancellationToken) is not null)
        {
            return Conflict();
        }

        var secret = TotpCodes.NewSecret();
        var now = time.GetUtcNow();
        var pending = new TotpFactor { UserId = user.Id, TenantId = user.TenantId, ProtectedSecret = checks.Protector.Protect(secret), CreatedAt = now };
        if (!await factors.SavePendingTotpAsync(pending, cancellationToken))
        {
            return Conflict();
        }

        return new(MfaOutcome.Done, Secret: secret, OtpauthUri: TotpCodes.KeyUri(options.Value.Issuer, user.Login, secret));

        static MfaResult Conflict() =>
            new(MfaOutcome.Conflict, new("totp", "An authenticator app is enrolled already; remove it first."));
    }

    /// <summary>Confirms the pending authenticator with one of its codes; returns the recovery codes, shown this once.</summary>
    public async Task<MfaResult> ConfirmTotpAsync(AuthenticatedCaller caller, string? code, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        var pending = user is null ? null : await factors.FindPendingTotpAsync(user.Id, cancellationToken);
        if (user is null || pending is null)
        {
            return new(MfaOutcome.NotFound, new("totp", "No enrolment is pending; start one with POST /v1/me/mfa/totp."));
        }

        var (check, step) = await checks.PendingTotpAsync(user, pending, code, cancellationToken);
        if (!check.Passed)
        {
            return MfaResult.From(check, "code", WrongCode);
        }

        var now = time.GetUtcNow();
        var (codes, rows) = RecoveryCodes.Generate(user.Id, user.TenantId, now);
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await factors.ConfirmTotpAsync(user.Id, step, now, rows, cancellationToken))
        {
            return new(MfaOutcome.NotFound, new("totp", "No enrolment is pending; start one with POST /v1/me/mfa/totp."));
        }

        await audit.RecordAsync(caller, AuditEvents.MfaTotpEnrolled, user.Id, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(MfaOutcome.Done, RecoveryCodes: codes);
    }

    /// <summary>Removes the caller's authenticator (and recovery codes), given the password and a current code.</summary>
    public async Task<MfaResult> RemoveTotpAsync(AuthenticatedCaller caller, string? password, string? code, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        var factor = user is null ? null : await factors.FindTotpAsync(user.Id, cancellationToken);
        if (user is null || factor is null)
        {
            return new(MfaOutcome.NotFound, new("totp", "No authenticator app is enrolled."));
        }

        var check = await checks.PasswordAsync(user, password, cancellationToken);
        if (!check.Passed)
        {
            return MfaResult.From(check, "password", WrongPassword);
        }

        check = await checks.TotpAsync(user, factor, code, cancellationToken);
        if (!check.Passed)
        {
            return MfaResult.From(check, "code", WrongCode);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        await factors.DeleteTotpAsync(user.Id, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.MfaTotpRemoved, user.Id, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return MfaOutcome.Done;
    }

    /// <summary>Replaces all the caller's recovery codes, given a current code of the authenticator.</summary>
    public async Task<MfaResult> ReplaceRecoveryCodesAsync(AuthenticatedCaller caller, string? code, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        var factor = user is null ? null : await factors.FindTotpAsync(user.Id, cancellationToken);
        if (user is null || factor is null)
        {
            return new(MfaOutcome.NotFound, new("totp", "No authenticator app is enrolled."));
        }

        var check = await checks.TotpAsync(user, factor, code, cancellationToken);
        if (!check.Passed)
        {
            return MfaResult.From(check, "code", WrongCode);
        }

        var (codes, rows) = RecoveryCodes.Generate(user.Id, user.TenantId, time.GetUtcNow());
        await using var transaction = await work.BeginAsync(cancellationToken);
        await factors.ReplaceRecoveryCodesAsync(user.Id, rows, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.MfaRecoveryCodesReplaced, user.Id, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(MfaOutcome.Done, RecoveryCodes: codes);
    }

    /// <summary>
    /// An owner (or an operator) removes every second factor of a person of the tenant, e.g. one who lost their phone
    /// and their recovery codes. Note: only owners, and owners may reset an owner's: a factor is what stands between a
    /// stolen password and the account, so an admin may not take it away from anyone.
    /// </summary>
    public async Task<MfaResult> ResetAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        if (caller.Role != TenantRole.Owner)
        {
            return MfaOutcome.Forbidden;
        }

        var target = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (target is not { Kind: UserKind.Human })
        {
            return MfaOutcome.NotFound;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        var had = await factors.DeleteAllAsync(target.Id, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.MfaReset, target.Id, had ? "second factors removed" : "had none", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return MfaOutcome.Done;
    }

    /// <summary>Step-up with a passkey: assertion options for the caller's passkeys, bound to this session.</summary>
    public Task<PasskeyResult> BeginPasskeyReauthenticationAsync(AuthenticatedCaller caller, CancellationToken cancellationToken) =>
        caller.SessionId is null
            ? Task.FromResult<PasskeyResult>(PasskeyOutcome.NotFound)
            : passkeyCeremonies.BeginAssertionAsync(WebAuthnCeremonyKind.Reauthentication, caller.AppId ?? "", null, caller.UserId,
                caller.SessionId, null, cancellationToken);

    /// <summary>
    /// Step-up: the person proves again who they are (the password and, when they have one, a current second factor:
    /// a code, a recovery code or a passkey) and the current session's <c>authTime</c> moves to now. Other sessions
    /// are untouched.
    /// </summary>
    public async Task<MfaResult> ReauthenticateAsync(
        AuthenticatedCaller caller, string? password, string? code, string? recoveryCode, CancellationToken cancellationToken,
        Guid? ceremonyId = null, System.Text.Json.JsonElement? passkey = null)
    {
        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        if (user is null || caller.SessionId is not { } sessionId)
        {
            return MfaOutcome.NotFound;
        }

        var check = await checks.PasswordAsync(user, password, cancellationToken);
        if (!check.Passed)
        {
            await audit.RecordAsync(caller, AuditEvents.ReauthenticationFailed, user.Id, "wrong password", cancellationToken);
            return MfaResult.From(check, "password", WrongPassword);
        }

        var amr = AuthenticationMethods.Password;
        var totp = await factors.FindTotpAsync(user.Id, cancellationToken);
        var hasPasskey = await passkeys.AnyAsync(user.Id, cancellationToken);
        if (passkey is { ValueKind: not System.Text.Json.JsonValueKind.Undefined and not System.Text.Json.JsonValueKind.Null } && hasPasskey)
        {
            // Note: the ceremony is bound to this session; a passkey of someone else or an answer for another ceremony fails.
            var (verified, ceremony) = await passkeyCeremonies.VerifyAssertionAsync(
                WebAuthnCeremonyKind.Reauthentication, ceremonyId, caller.AppId ?? "", passkey, cancellationToken);
            if (verified is null || ceremony?.SessionId != sessionId || verified.User.Id != user.Id)
            {
                await audit.RecordAsync(caller, AuditEvents.ReauthenticationFailed, user.Id, "passkey refused", cancellationToken);
                return MfaResult.Wrong("passkey", PasskeyService.RefusedMessage);
            }

            amr = $"{AuthenticationMethods.Password} {verified.Amr}";
        }
        else if (totp is not null || hasPasskey)
        {
            if (totp is null || (string.IsNullOrEmpty(code) && string.IsNullOrEmpty(recoveryCode)))
            {
                return totp is null
                    ? MfaResult.Wrong("passkey", "A passkey is required (ceremonyId and passkey).")
                    : MfaResult.Wrong("code", "A code of the authenticator app (or a recovery code, or a passkey) is required.");
            }

            var usesRecovery = string.IsNullOrEmpty(code);
            check = usesRecovery
                ? await checks.RecoveryCodeAsync(user, recoveryCode, cancellationToken)
                : await checks.TotpAsync(user, totp, code, cancellationToken);
            if (!check.Passed)
            {
                await audit.RecordAsync(caller, AuditEvents.ReauthenticationFailed, user.Id, "wrong code", cancellationToken);
                return MfaResult.From(check, usesRecovery ? "recoveryCode" : "code", WrongCode);
            }

            amr = usesRecovery
                ? $"{AuthenticationMethods.Password} {AuthenticationMethods.RecoveryCode}"
                : $"{AuthenticationMethods.Password} {AuthenticationMethods.OneTimePassword}";
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await factors.ReauthenticateSessionAsync(user.Id, sessionId, time.GetUtcNow(), amr, cancellationToken))
        {
            return MfaOutcome.NotFound;
        }

        await audit.RecordAsync(caller, AuditEvents.Reauthenticated, user.Id, $"session {sessionId}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return MfaOutcome.Done;
    }
}
