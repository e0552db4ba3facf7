using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>People's accounts: sign-up, login (which opens an app session) and password change.</summary>
internal sealed class AccountService(
    TenantService tenants,
    IUserStore users,
    SessionService sessions,
    PasswordService passwords,
    LoginThrottle throttle,
    IUnitOfWork work,
    AuditLog audit,
    LatchkeyMetrics metrics,
    IOptions<LatchkeyRegistrationOptions> registration,
    Email.EmailAddressService emails,
    Email.EmailOutbox outbox,
    Email.SecurityNotices notices,
    Email.PersonEmailCache emailCache,
    IRequestOrigin origin,
    MfaLoginService mfaLogins,
    ITenantPolicyStore policies)
{
    public async Task<SignupResult> SignupAsync(
        string? tenantName, string? login, string? password, CancellationToken cancellationToken, string? email = null)
    {
        if (!registration.Value.Enabled)
        {
            return new(SignupOutcome.RegistrationClosed);
        }

        // Note: an address given is checked like any; a login that happens to be one is taken as the address.
        var address = email is null ? Email.EmailAddress.Normalize(login?.Trim()) : Email.EmailAddress.Normalize(email);
        if (email is not null && address is null)
        {
            return new(SignupOutcome.Invalid, Error: new("email", $"One e-mail address of at most {Email.EmailAddress.MaxLength} characters, without a display name."));
        }

        var result = await tenants.CreateWithOwnerAsync(tenantName, login, password,
            (tenant, owner) => audit.Create(AuditEvents.Signup, tenant.Id, owner.Id, owner.Id), cancellationToken,
            address, (tenant, owner, ct) => emails.SendVerificationAsync(owner, address!, tenant.Name, ct));
        if (address is not null && result.Outcome == SignupOutcome.Created)
        {
            outbox.Wake();
        }

        return result;
    }

    public async Task<LoginResult> LoginAsync(string? login, string? password, string? appId, string? appName, CancellationToken cancellationToken)
    {
        try
        {
            var result = await AttemptLoginAsync(login, password, appId, appName, cancellationToken);
            metrics.LoggedIn(MetricOutcome(result));
            return result;
        }
        catch (Exception exception) when (CountUnfinishedLogin(exception))
        {
            // Note: never entered; the filter counts the login and lets the exception go on unchanged.
            throw;
        }
    }

    private static string MetricOutcome(LoginResult result) => result.Outcome switch
    {
        LoginOutcome.Succeeded => LatchkeyMetrics.LoginOutcomes.Success,
        LoginOutcome.Invalid => LatchkeyMetrics.LoginOutcomes.Invalid,
        LoginOutcome.Throttled => LatchkeyMetrics.LoginOutcomes.Throttled,
        LoginOutcome.MfaRequired => LatchkeyMetrics.LoginOutcomes.Success,
        _ when result.Refusal == LoginRefusal.Locked => LatchkeyMetrics.LoginOutcomes.Locked,
        _ => LatchkeyMetrics.LoginOutcomes.Refused,
    };

    private bool CountUnfinishedLogin(Exception exception)
    {
        // Note: a client that went away is no outcome of the login; it is not counted.
        if (exception is not OperationCanceledException)
        {
            metrics.LoggedIn(exception switch
            {
                HashingCapacityExceededException => LatchkeyMetrics.LoginOutcomes.Busy,
                FailedAttemptsExhaustedException => LatchkeyMetrics.LoginOutcomes.RateLimited,
                _ => LatchkeyMetrics.LoginOutcomes.Error,
            });
        }

        return false;
    }

    private async Task<LoginResult> AttemptLoginAsync(string? login, string? password, string? appId, string? appName, CancellationToken cancellationToken)
    {
        if (appId is null || !AppIdFormat.IsValid(appId))
        {
            return Invalid("appId", $"appId must be {AppIdFormat.MinLength} to {AppIdFormat.MaxLength} characters of [A-Za-z0-9._~-].");
        }

        if (string.IsNullOrEmpty(login))
        {
            return Invalid("login", "A login is required.");
        }

        var presented = PasswordPolicy.Normalize(password);
        if (string.IsNullOrEmpty(presented))
        {
            return Invalid("password", $"A password of at most {PasswordPolicy.MaxUtf8Bytes} UTF-8 bytes is required.");
        }

        var cleanAppName = TextInput.Clean(appName, SessionService.MaxAppNameLength);
        var normalizedLogin = LoginNormalizer.Normalize(login);
        await using var attempt = normalizedLogin is null ? null : await throttle.BeginAttemptAsync(normalizedLogin, cancellationToken);
        if (attempt?.Outcome == ThrottleOutcome.Wait)
        {
            // Note: not verified and not counted: a delay must not be a way to make the server hash.
            return new(LoginOutcome.Throttled, RetryAfter: attempt.RetryAfter);
        }

        var locked = attempt?.Outcome == ThrottleOutcome.Locked;
        var user = normalizedLogin is null ? null : await users.FindByLoginAsync(normalizedLogin, cancellationToken);
        PasswordVerification verification;

        // Note: a server too busy to hash answers 503 and the attempt, disposed unverified, is taken back: else
        // flooding the queue would push real users into delays.
        // Note: an unknown login, a machine login, a disabled user and a locked login all cost one hash, like a
        // wrong password, so neither the answer nor its timing tells which logins exist. A locked login is
        // checked against the dummy verifier: whatever the password, it answers like a wrong one.
        var verifier = !locked && user is { Kind: UserKind.Human } ? user.SecretVerifier : null;
        using (var slot = await passwords.ReserveAsync(verifier, cancellationToken))
        {
            verification = passwords.Verify(slot, verifier, presented);
        }

        if (verification == PasswordVerification.Failed || user is not { Kind: UserKind.Human } || user.Disabled || locked)
        {
            // Note: every refusal counts, like a wrong password, so none of them tells which logins exist.
            await (attempt?.FailedAsync() ?? Task.CompletedTask);
        }

        if (locked)
        {
            RecordFailure(user, "locked", appId);
            return new(LoginOutcome.Refused, Refusal: LoginRefusal.Locked);
        }

        if (user is not { Kind: UserKind.Human })
        {
            RecordFailure(user, "machine_user", appId);
            return new(LoginOutcome.Refused, RetryAfter: attempt?.DelayIfFailed ?? TimeSpan.Zero, Refusal: LoginRefusal.UnknownLogin);
        }

        if (verification == PasswordVerification.Failed || user.Disabled)
        {
            var refusal = verification == PasswordVerification.Failed ? LoginRefusal.WrongPassword : LoginRefusal.Disabled;
            RecordFailure(user, refusal == LoginRefusal.WrongPassword ? "wrong_password" : "disabled", appId);
            return new(LoginOutcome.Refused, RetryAfter: attempt?.DelayIfFailed ?? TimeSpan.Zero, Refusal: refusal, UserId: user.Id);
        }

        if (verification == PasswordVerification.SuccessRehashNeeded)
        {
            // Note: only over the verifier just checked; a password changed since stays changed (compare-and-set).
            await users.UpdateVerifierAsync(user.Id, user.SecretVerifier, await passwords.HashAsync(presented, cancellationToken), cancellationToken);
        }

        // Note: only a right password gets this far, so whether a person has a second factor shows nowhere before it.
        var (challenge, enrolmentOnly) = await mfaLogins.BeginIfRequiredAsync(user, appId, cleanAppName, cancellationToken);
        if (challenge is not null)
        {
            await attempt!.SucceededAsync();
            return challenge;
        }

        // Note: the session carries the credential version read with the verifier: if a password change commits
        // between the two, the session is dead on arrival rather than outliving the change.
        // Note: the end of the throttle's attempt, the session and the audit entries commit together, once: the
        // attempt's success is written last, so the counter's row is locked only for the commit.
        await using var transaction = await work.BeginAsync(cancellationToken);
        await notices.NewDeviceAsync(user, appId, cleanAppName, origin.IpAddress, cancellationToken);
        var (session, apiKey) = await sessions.OpenAsync(user, appId, cleanAppName, AuthenticationMethods.Password, enrolmentOnly, cancellationToken);
        await audit.RecordAsync(
        [
            audit.Create(AuditEvents.LoginSucceeded, user.TenantId, user.Id, user.Id, null, appId),
            audit.Create(AuditEvents.SessionCreated, user.TenantId, user.Id, user.Id, $"session {session.Id}", appId),
        ], cancellationToken);
        await attempt!.SucceededWithinAsync();
        await attempt.CommittingAsync(() => transaction.CommitAsync(cancellationToken));
        notices.Wake();
        emailCache.Remember(user);
        return new(LoginOutcome.Succeeded, session, apiKey, UserId: user.Id);

        static LoginResult Invalid(string field, string message) => new(LoginOutcome.Invalid, Error: new(field, message));
    }

    /// <summary>
    /// Audits a refused login of an existing user, off the response path: writing it before answering would make a
    /// wrong password for a real login slower than for an unknown one. A login that matches no user belongs to no
    /// tenant and is not recorded; the reason stays server-side.
    /// </summary>
    private void RecordFailure(User? user, string reason, string appId)
    {
        if (user is not null)
        {
            audit.RecordLater(audit.Create(AuditEvents.LoginFailed, user.TenantId, null, user.Id, reason, appId));
        }
    }

    /// <summary>
    /// Changes the caller's password. The current password is guessed at here as at login, so it goes through the
    /// same per-login throttle: a stolen key must not be a way round the lockout.
    /// </summary>
    public async Task<PasswordChangeResult> ChangePasswordAsync(
        AuthenticatedCaller caller, string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        var current = PasswordPolicy.Normalize(currentPassword);
        if (user is null || string.IsNullOrEmpty(current))
        {
            return PasswordChangeResult.WrongCurrentPassword;
        }

        await using var attempt = await throttle.BeginAttemptAsync(user.Login, cancellationToken);
        if (attempt.Outcome == ThrottleOutcome.Wait)
        {
            return new(PasswordChangeOutcome.Throttled, RetryAfter: attempt.RetryAfter);
        }

        PasswordVerification verification;
        var locked = attempt.Outcome == ThrottleOutcome.Locked;
        // Note: locked, the current password is not checked; a dummy hash keeps the cost the same.
        var stored = locked ? null : user.SecretVerifier;
        using (var slot = await passwords.ReserveAsync(stored, cancellationToken))
        {
            verification = passwords.Verify(slot, stored, current);
        }

        if (locked || verification == PasswordVerification.Failed)
        {
            await attempt.FailedAsync();
            await audit.RecordAsync(caller, AuditEvents.PasswordChangeFailed, user.Id,
                locked ? "locked" : "wrong current password", cancellationToken);
            return PasswordChangeResult.WrongCurrentPassword;
        }

        await attempt.SucceededAsync();
        var tenant = await tenants.GetAsync(caller, cancellationToken);
        var minLength = (await policies.FindAsync(caller.TenantId, cancellationToken)).PasswordMinLength;
        var (verifier, weakness) = await passwords.CreateVerifierAsync(newPassword, user.Login, tenant?.Name, "newPassword", cancellationToken, minLength);
        if (weakness is not null)
        {
            return new(PasswordChangeOutcome.Invalid, weakness);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        await users.ChangeSecretAsync(user.Id, verifier!, caller.SessionId, CredentialEndReason.PasswordChanged, chosenByPerson: true, cancellationToken);
        await notices.PasswordChangedAsync(user, tenant?.Name, Email.SecurityNotices.How.ByThem, cancellationToken);
        // Note: the audit says when this was the person's first own password after an admin's (mustChangePassword).
        await audit.RecordAsync(caller, AuditEvents.PasswordChanged, user.Id,
            user.MustChangePassword ? "own password chosen (mustChangePassword cleared); other sessions ended" : "other sessions ended",
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        notices.Wake();
        return new(PasswordChangeOutcome.Changed);
    }
}
