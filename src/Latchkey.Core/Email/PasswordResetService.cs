using System.Threading.Channels;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Latchkey.Core.Email;

/// <summary>
/// Password reset by e-mail. A request is only queued here (<see cref="PasswordResetRequests"/>) and answered 202 at
/// once, so neither the answer nor its timing depends on the login: the work (look-up, limits, token, message, audit)
/// happens off the response path, in one transaction when a message is due.
/// </summary>
internal sealed class PasswordResetService(
    IUserStore users,
    IEmailTokenStore tokens,
    ITenantStore tenants,
    TenantContext tenantContext,
    EmailOutbox outbox,
    SecurityNotices notices,
    PasswordService passwords,
    LoginThrottle throttle,
    IUnitOfWork work,
    AuditLog audit,
    TimeProvider time,
    ILogger<PasswordResetService> logger)
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(30);

    /// <summary>At most this many reset messages per person per <see cref="LimitWindow"/> (no mail-bombing).</summary>
    public const int MaxMessagesPerWindow = 3;

    public static readonly TimeSpan LimitWindow = TimeSpan.FromHours(1);

    /// <summary>Handles one queued request: a message only for an enabled person with a verified address, within the limit.</summary>
    public async Task ProcessAsync(string login, CancellationToken cancellationToken)
    {
        var normalized = LoginNormalizer.Normalize(login);
        var user = normalized is null ? null : await users.FindByLoginAsync(normalized, cancellationToken);
        if (user is not { Kind: UserKind.Human })
        {
            Log.PasswordResetRequest(logger, null, "no such person");
            return;
        }

        tenantContext.Enter(user.TenantId);
        var now = time.GetUtcNow();
        var outcome = user.Disabled ? "disabled"
            : user is not { EmailVerified: true, Email: not null } ? "no verified address"
            : await tokens.CountSinceAsync(user.Id, EmailTokenPurpose.ResetPassword, now - LimitWindow, cancellationToken) >= MaxMessagesPerWindow
                ? "limited"
                : null;
        if (outcome is not null)
        {
            // Note: recorded for the tenant's admins, never shown to whoever asked.
            await audit.RecordAsync([audit.Create(AuditEvents.PasswordResetRequested, user.TenantId, null, user.Id, outcome)], cancellationToken);
            Log.PasswordResetRequest(logger, user.Id, outcome);
            return;
        }

        var tenant = await tenants.FindAsync(user.TenantId, cancellationToken);
        var (token, digest) = LinkToken.Create(LinkToken.ResetPrefix);
        await using (var transaction = await work.BeginAsync(cancellationToken))
        {
            await tokens.AddAsync(new EmailToken
            {
                Id = Guid.CreateVersion7(now),
                Purpose = EmailTokenPurpose.ResetPassword,
                UserId = user.Id,
                TenantId = user.TenantId,
                Digest = digest,
                CreatedAt = now,
                ExpiresAt = now + TokenLifetime,
            }, cancellationToken);
            await outbox.QueueAsync(EmailTemplateNames.PasswordReset, user.Email!, tenant?.Name,
                new Dictionary<string, string> { ["link"] = outbox.Link("/reset-password", token) }, TokenLifetime, cancellationToken);
            await audit.RecordAsync([audit.Create(AuditEvents.PasswordResetRequested, user.TenantId, null, user.Id, "sent")], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        outbox.Wake();
        Log.PasswordResetRequest(logger, user.Id, "sent");
    }

    /// <summary>
    /// <c>POST /v1/password-reset/complete</c>: the policy applies; on success the password changes through the same
    /// path as a password change (credential version bumped, every session ended, cached credentials evicted on every
    /// instance), every outstanding reset token of the person is void, the lockout counter is cleared and a notice queued.
    /// </summary>
    public async Task<PasswordResetResult> CompleteAsync(string? token, string? password, CancellationToken cancellationToken)
    {
        var digest = LinkToken.TryDigest(token, LinkToken.ResetPrefix);
        var found = digest is null ? null : await tokens.FindAsync(digest, EmailTokenPurpose.ResetPassword, time.GetUtcNow(), cancellationToken);
        var user = found is null ? null : await tokens.FindUserAsync(found.UserId, cancellationToken);
        if (found is null || user is not { Kind: UserKind.Human, Disabled: false })
        {
            return PasswordResetResult.BadToken;
        }

        tenantContext.Enter(user.TenantId);
        var tenant = await tenants.FindAsync(user.TenantId, cancellationToken);
        var (verifier, weakness) = await passwords.CreateVerifierAsync(password, user.Login, tenant?.Name, "password", cancellationToken);
        if (weakness is not null)
        {
            // Note: the token stays usable: a refused password is a typing matter, not a reason to mail again.
            return new(PasswordResetOutcome.Invalid, weakness);
        }

        await using (var transaction = await work.BeginAsync(cancellationToken))
        {
            if (!await tokens.ConsumeAsync(found.Id, cancellationToken))
            {
                return PasswordResetResult.BadToken;
            }

            await users.ChangeSecretAsync(user.Id, verifier!, keepSessionId: null, CredentialEndReason.PasswordReset, cancellationToken);
            await tokens.ConsumeAllAsync(user.Id, EmailTokenPurpose.ResetPassword, cancellationToken);
            await notices.PasswordChangedAsync(user, tenant?.Name, SecurityNotices.How.ByReset, cancellationToken);
            await audit.RecordAsync([audit.Create(AuditEvents.PasswordReset, user.TenantId, user.Id, user.Id, "by e-mail link; every session ended")], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        // Note: whoever holds the mailbox may sign in again at once: the failures that locked the login are forgotten.
        await throttle.UnlockAsync(user.Login, cancellationToken);
        outbox.Wake();
        return new(PasswordResetOutcome.Reset);
    }
}

internal enum PasswordResetOutcome
{
    Reset,
    BadToken,
    Invalid,
}

internal sealed record PasswordResetResult(PasswordResetOutcome Outcome, InputError? Error = null)
{
    public static readonly PasswordResetResult BadToken = new(PasswordResetOutcome.BadToken);
}

/// <summary>
/// The queue between <c>POST /v1/password-reset</c> and its worker: bounded (a flood drops requests rather than
/// memory), lost on a crash (the person asks again). <see cref="Pending"/> lets tests wait for it to drain.
/// </summary>
internal sealed class PasswordResetRequests
{
    public const int Capacity = 1000;

    private readonly Channel<string> _channel = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private int _pending;

    public int Pending => Volatile.Read(ref _pending);

    public void Enqueue(string login)
    {
        Interlocked.Increment(ref _pending);
        if (!_channel.Writer.TryWrite(login))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public ChannelReader<string> Reader => _channel.Reader;

    public void Done() => Interlocked.Decrement(ref _pending);
}

/// <summary>
/// Logins to look at after a wrong password (did it lock the account?), off the response path so that a failed login
/// of a person with an address costs the same as any other. Bounded; lost on a crash (the lock stays, unnotified).
/// </summary>
internal sealed class AccountLockChecks
{
    private readonly Channel<Guid> _channel = Channel.CreateBounded<Guid>(
        new BoundedChannelOptions(PasswordResetRequests.Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    public void Enqueue(Guid userId) => _channel.Writer.TryWrite(userId);

    public ChannelReader<Guid> Reader => _channel.Reader;
}
