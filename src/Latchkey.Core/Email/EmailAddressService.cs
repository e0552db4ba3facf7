using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Email;

/// <summary>
/// People's own e-mail addresses: verification at sign-up, a change (effective once the new address is verified, with
/// a notice to the old one), and verification by the link's token (single use, 24 h, replaced by a newer one).
/// </summary>
internal sealed class EmailAddressService(
    IUserStore users,
    IEmailTokenStore tokens,
    ITenantStore tenants,
    EmailOutbox outbox,
    SecurityNotices notices,
    PasswordService passwords,
    LoginThrottle throttle,
    IUnitOfWork work,
    AuditLog audit,
    PersonEmailCache cache,
    TimeProvider time)
{
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// Inside the caller's unit of work: a verification token for <paramref name="email"/>, replacing any earlier one of
    /// the user, and its message. Without e-mail configured nothing is sent (the address stays unverified).
    /// </summary>
    public async Task SendVerificationAsync(User user, string email, string? tenantName, CancellationToken cancellationToken)
    {
        if (!outbox.IsConfigured)
        {
            return;
        }

        var now = time.GetUtcNow();
        var (token, digest) = LinkToken.Create(LinkToken.VerifyPrefix);
        await tokens.AddReplacingAsync(new EmailToken
        {
            Id = Guid.CreateVersion7(now),
            Purpose = EmailTokenPurpose.VerifyEmail,
            UserId = user.Id,
            TenantId = user.TenantId,
            Digest = digest,
            Email = email,
            CreatedAt = now,
            ExpiresAt = now + VerificationLifetime,
        }, cancellationToken);
        await outbox.QueueAsync(EmailTemplateNames.VerifyEmail, email, tenantName,
            new Dictionary<string, string> { ["link"] = outbox.Link("/verify-email", token) }, VerificationLifetime, cancellationToken);
    }

    /// <summary>
    /// <c>PUT /v1/me/email</c>: the password is checked as at login (same throttle), then the new address is sent its
    /// verification and the old (verified) one a notice. The stored address changes only on verification.
    /// </summary>
    public async Task<EmailChangeResult> ChangeAsync(
        AuthenticatedCaller caller, string? email, string? password, CancellationToken cancellationToken)
    {
        var address = EmailAddress.Normalize(email);
        if (address is null)
        {
            return new(EmailChangeOutcome.Invalid, new InputError("email", $"One e-mail address of at most {EmailAddress.MaxLength} characters, without a display name, is required."));
        }

        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        var presented = PasswordPolicy.Normalize(password);
        if (user is null || string.IsNullOrEmpty(presented))
        {
            return new(EmailChangeOutcome.Invalid, WrongPassword);
        }

        await using (var attempt = await throttle.BeginAttemptAsync(user.Login, cancellationToken))
        {
            if (attempt.Outcome == ThrottleOutcome.Wait)
            {
                return new(EmailChangeOutcome.Throttled, RetryAfter: attempt.RetryAfter);
            }

            var locked = attempt.Outcome == ThrottleOutcome.Locked;
            PasswordVerification verification;
            var verifier = locked ? null : user.SecretVerifier;
            using (var slot = await passwords.ReserveAsync(verifier, cancellationToken))
            {
                verification = passwords.Verify(slot, verifier, presented);
            }

            if (locked || verification == PasswordVerification.Failed)
            {
                await attempt.FailedAsync();
                return new(EmailChangeOutcome.Invalid, WrongPassword);
            }

            await attempt.SucceededAsync();
        }

        var tenant = await tenants.FindAsync(caller.TenantId, cancellationToken);
        await using var transaction = await work.BeginAsync(cancellationToken);
        await SendVerificationAsync(user, address, tenant?.Name, cancellationToken);
        if (!string.Equals(user.Email, address, StringComparison.Ordinal))
        {
            await notices.EmailChangingAsync(user, tenant?.Name, address, cancellationToken);
        }

        await audit.RecordAsync(caller, AuditEvents.EmailChangeRequested, user.Id, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Wake();
        return new(EmailChangeOutcome.Accepted);
    }

    /// <summary><c>POST /v1/email/verify</c>: uses the token once and makes its address the person's verified one.</summary>
    public async Task<bool> VerifyAsync(string? token, CancellationToken cancellationToken)
    {
        var digest = LinkToken.TryDigest(token, LinkToken.VerifyPrefix);
        if (digest is null)
        {
            return false;
        }

        var found = await tokens.FindAsync(digest, EmailTokenPurpose.VerifyEmail, time.GetUtcNow(), cancellationToken);
        if (found?.Email is null)
        {
            return false;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await tokens.ConsumeAsync(found.Id, cancellationToken)
            || !await tokens.SetUserEmailAsync(found.UserId, found.Email, verified: true, cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync([audit.Create(AuditEvents.EmailVerified, found.TenantId, found.UserId, found.UserId)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Forget(found.UserId);
        return true;
    }

    private static readonly InputError WrongPassword = new("password", "The password is wrong.");
}

internal enum EmailChangeOutcome
{
    Accepted,
    Invalid,
    Throttled,
}

internal sealed record EmailChangeResult(EmailChangeOutcome Outcome, InputError? Error = null, TimeSpan RetryAfter = default);
