using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Latchkey.Core.Email;

/// <summary>
/// Password reset by e-mail. A request is only written down here (<see cref="RequestAsync"/>: one row in
/// <c>password_reset_requests</c>, whatever the login) and answered 202, so neither the answer nor its timing depends
/// on the login. The worker resolves each row off the response path (<see cref="ProcessNextAsync"/>): look-up, limits,
/// token, message and audit commit in one transaction with the row's deletion, so a crash loses no request and
/// handles none twice.
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
    IPasswordResetRequestStore requests,
    PasswordResetSignal signal,
    AuditLog audit,
    TimeProvider time,
    ILogger<PasswordResetService> logger,
    ITenantPolicyStore policies)
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(30);

    /// <summary>At most this many reset messages per person per <see cref="LimitWindow"/> (no mail-bombing).</summary>
    public const int MaxMessagesPerWindow = 3;

    public static readonly TimeSpan LimitWindow = TimeSpan.FromHours(1);

    /// <summary>A request not handled within this long (the database failed it each time) is dropped: the person asks again.</summary>
    public static readonly TimeSpan RequestLifetime = TimeSpan.FromHours(1);

    /// <summary>A request whose handling failed is looked at again this much later.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <c>POST /v1/password-reset</c>'s one write, the same for every login (existing or not, person or machine): no
    /// look-up, no token. Committed before the answer, so a 202 is never lost; this instance's worker is woken.
    /// </summary>
    public async Task RequestAsync(string login, CancellationToken cancellationToken)
    {
        await QueueAsync(login, cancellationToken);
        signal.Wake();
    }

    /// <summary>
    /// Writes a request in the caller's transaction (an admin's, with its audit entry); <see cref="WakeWorker"/> once it
    /// is committed, so the worker does not look before the row is there.
    /// </summary>
    public Task QueueAsync(string login, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return requests.AddAsync(new QueuedPasswordReset { Id = Guid.CreateVersion7(now), Login = login, RequestedAt = now, DueAt = now }, cancellationToken);
    }

    public void WakeWorker() => signal.Wake();

    /// <summary>
    /// The worker's step: takes the oldest due request (locked, so no other instance takes it), handles it and deletes it
    /// in one transaction. Returns false when none was due. A handling that throws leaves the request for a later try.
    /// </summary>
    public async Task<bool> ProcessNextAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sent = false;
        (Guid Id, Exception Error)? failed = null;
        await using (var transaction = await work.BeginAsync(cancellationToken))
        {
            var request = await requests.LockNextDueAsync(now, cancellationToken);
            if (request is null)
            {
                await transaction.CommitAsync(cancellationToken);
                return false;
            }

            try
            {
                sent = await ProcessAsync(request.Login, cancellationToken);
                await requests.DeleteAsync(request.Id, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed = (request.Id, e);
            }
        }

        if (failed is { } failure)
        {
            // Note: the transaction rolled back as it was disposed; the request waits a while, so one that fails each
            // time does not hold up the others, and goes after RequestLifetime.
            await requests.PostponeAsync(failure.Id, now + RetryDelay, CancellationToken.None);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure.Error);
        }

        if (sent)
        {
            outbox.Wake();
        }

        return true;
    }

    /// <summary>Drops requests older than <see cref="RequestLifetime"/>; returns how many.</summary>
    public Task<int> DropStaleAsync(CancellationToken cancellationToken) =>
        requests.DeleteOlderThanAsync(time.GetUtcNow() - RequestLifetime, cancellationToken);

    /// <summary>
    /// Inside the worker's transaction, handles one request: a message only for an enabled person with a verified
    /// address, within the limit. Returns whether a message was queued.
    /// </summary>
    private async Task<bool> ProcessAsync(string login, CancellationToken cancellationToken)
    {
        var normalized = LoginNormalizer.Normalize(login);
        var user = normalized is null ? null : await users.FindByLoginAsync(normalized, cancellationToken);
        if (user is not { Kind: UserKind.Human })
        {
            Log.PasswordResetRequest(logger, null, "no such person");
            return false;
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
            return false;
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

        Log.PasswordResetRequest(logger, user.Id, "sent");
        return true;
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
        var minLength = (await policies.FindAsync(user.TenantId, cancellationToken)).PasswordMinLength;
        var (verifier, weakness) = await passwords.CreateVerifierAsync(password, user.Login, tenant?.Name, "password", cancellationToken, minLength);
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

            await users.ChangeSecretAsync(user.Id, verifier!, keepSessionId: null, CredentialEndReason.PasswordReset, chosenByPerson: true, cancellationToken);
            await tokens.ConsumeAllAsync(user.Id, EmailTokenPurpose.ResetPassword, cancellationToken);
            await notices.PasswordChangedAsync(user, tenant?.Name, SecurityNotices.How.ByReset, cancellationToken);
            await audit.RecordAsync([audit.Create(AuditEvents.PasswordReset, user.TenantId, user.Id, user.Id, user.MustChangePassword
                ? "by e-mail link (mustChangePassword cleared); every session ended" : "by e-mail link; every session ended")], cancellationToken);
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
/// Wakes this instance's password-reset worker when a request was written here (the other instances find it at their
/// next poll). <see cref="RoundsUnderWay"/> lets tests wait until nothing is being handled.
/// </summary>
internal sealed class PasswordResetSignal
{
    private TaskCompletionSource _woken = New();
    private int _rounds;

    public int RoundsUnderWay => Volatile.Read(ref _rounds);

    public void RoundStarted() => Interlocked.Increment(ref _rounds);

    public void RoundEnded() => Interlocked.Decrement(ref _rounds);

    public Task Listen() => Volatile.Read(ref _woken).Task;

    public void Wake() => Interlocked.Exchange(ref _woken, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
