using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>
/// A tenant's human users, managed by its owners and admins. Which endpoints a caller may reach is the policies'
/// business; the rules that depend on the user acted on live here: an admin manages members and admins only and grants
/// no role above its own, owners may do everything, and at least one enabled owner always remains.
/// </summary>
internal sealed class UserAdminService(
    IUserStore users,
    ITenantStore tenants,
    SessionService sessions,
    PasswordService passwords,
    LoginThrottle throttle,
    IUnitOfWork work,
    AuditLog audit,
    TimeProvider time,
    Email.SecurityNotices notices,
    ITenantPolicyStore policies,
    Email.PasswordResetService resets)
{
    /// <summary>A page of the tenant's human users, newest first, each with its failed-login state.</summary>
    public Task<Page<UserSummary>> ListAsync(AuthenticatedCaller caller, PageRequest page, CancellationToken cancellationToken) =>
        ListAsync(caller, null, page, cancellationToken);

    /// <summary>
    /// A page of the tenant's human users, newest first, each with its failed-login state; with
    /// <paramref name="normalizedLoginPart"/>, only those whose login contains it.
    /// </summary>
    public async Task<Page<UserSummary>> ListAsync(
        AuthenticatedCaller caller, string? normalizedLoginPart, PageRequest page, CancellationToken cancellationToken)
    {
        var list = Page<UserSummary>.Cut(
            await users.ListHumansAsync(caller.TenantId, normalizedLoginPart, page.Probe, cancellationToken), page, u => u.User.Id);
        var locks = await throttle.DescribeAsync(list.Items.Select(u => u.User.Login).ToList(), cancellationToken);
        return list with { Items = list.Items.Select(u => u with { Lock = locks.GetValueOrDefault(u.User.Login) }).ToList() };
    }

    /// <summary>One human user of the tenant with its failed-login state; null when there is none.</summary>
    public async Task<UserSummary?> FindAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var summary = await users.FindHumanSummaryAsync(caller.TenantId, userId, cancellationToken);
        if (summary is null)
        {
            return null;
        }

        var locks = await throttle.DescribeAsync([summary.User.Login], cancellationToken);
        return summary with { Lock = locks.GetValueOrDefault(summary.User.Login) };
    }

    /// <summary>
    /// An admin asks for a password-reset e-mail to be sent to the person: the request goes the same durable way as the
    /// person's own (<c>POST /v1/password-reset</c>: a queued row, handled by the worker, with its per-person limit),
    /// committed with an audit entry that names the admin. The person needs a verified address to be sent one.
    /// </summary>
    public async Task<UserAdminOutcome> SendPasswordResetAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        if (target is null)
        {
            return UserAdminOutcome.NotFound;
        }

        if (!MayManage(caller, target))
        {
            return UserAdminOutcome.Forbidden;
        }

        if (target.Disabled || target is not { EmailVerified: true, Email: not null })
        {
            return UserAdminOutcome.NoVerifiedEmail;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.PasswordResetRequested, target.Id, "by an admin", cancellationToken);
        await resets.QueueAsync(target.Login, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        resets.WakeWorker();
        return UserAdminOutcome.Done;
    }

    /// <summary>
    /// Creates a person with the password the admin chose. With <paramref name="mustChangePassword"/> (what the API and
    /// the CLI do unless told otherwise) the person's first sign-in asks them to choose their own before anything else:
    /// the admin knows this one, and it may have travelled by chat or e-mail.
    /// </summary>
    public async Task<UserAdminResult> CreateAsync(
        AuthenticatedCaller caller, string? login, string? password, IReadOnlyList<string?>? roles, bool mustChangePassword,
        CancellationToken cancellationToken)
    {
        if (!TenantRoles.TryParse(roles, out var role))
        {
            return InvalidRoles();
        }

        if (!MayGrant(caller, role))
        {
            return UserAdminOutcome.Forbidden;
        }

        var normalizedLogin = LoginNormalizer.Normalize(login);
        if (normalizedLogin is null)
        {
            return Invalid("login", $"A login of 1 to {LoginNormalizer.MaxLength} printable characters is required.");
        }

        var tenant = await tenants.FindAsync(caller.TenantId, cancellationToken);
        var minLength = (await policies.FindAsync(caller.TenantId, cancellationToken)).PasswordMinLength;
        var (verifier, weakness) = await passwords.CreateVerifierAsync(password, normalizedLogin, tenant?.Name, "password", cancellationToken, minLength);
        if (weakness is not null)
        {
            return new UserAdminResult(UserAdminOutcome.Invalid, Error: weakness);
        }

        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(now),
            TenantId = caller.TenantId,
            Kind = UserKind.Human,
            Login = normalizedLogin,
            SecretVerifier = verifier!,
            Role = role,
            CreatedAt = now,
            MustChangePassword = mustChangePassword,
        };
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.CreateAsync(user, cancellationToken))
        {
            return UserAdminOutcome.LoginTaken;
        }

        await audit.RecordAsync(caller, AuditEvents.UserCreated, user.Id,
            $"role {TenantRoles.Name(role)}" + (mustChangePassword ? "; must change password" : ""), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new UserAdminResult(UserAdminOutcome.Done, user);
    }

    /// <summary>Changes the role and/or disables or enables the user; disabling ends all its sessions.</summary>
    public async Task<UserAdminResult> UpdateAsync(
        AuthenticatedCaller caller, Guid userId, IReadOnlyList<string?>? roles, bool? disabled, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        if (target is null)
        {
            return UserAdminOutcome.NotFound;
        }

        var role = target.Role;
        if (roles is not null && !TenantRoles.TryParse(roles, out role))
        {
            return InvalidRoles();
        }

        if (!MayManage(caller, target) || !MayGrant(caller, role))
        {
            return UserAdminOutcome.Forbidden;
        }

        var disable = disabled ?? target.Disabled;
        if (role == target.Role && disable == target.Disabled)
        {
            return new UserAdminResult(UserAdminOutcome.Done, target);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        // Note: the rules above were checked against the target as read; the store changes it only if it is still so,
        // else an owner's promotion made meanwhile would be overwritten by an admin who may not touch owners.
        var change = await users.UpdateAccessAsync(caller.TenantId, userId, UserAccess.Of(target), new(role, disable), cancellationToken);
        if (change != UserChange.Done)
        {
            return Map(change);
        }

        if (role != target.Role)
        {
            await audit.RecordAsync(caller, AuditEvents.UserRoleChanged, userId,
                $"{TenantRoles.Name(target.Role)} -> {TenantRoles.Name(role)}", cancellationToken);
        }

        if (disable != target.Disabled)
        {
            await audit.RecordAsync(caller, disable ? AuditEvents.UserDisabled : AuditEvents.UserEnabled, userId,
                disable ? "all sessions ended" : null, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        target.Role = role;
        target.Disabled = disable;
        return new UserAdminResult(UserAdminOutcome.Done, target);
    }

    public async Task<UserAdminOutcome> DeleteAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        if (target is null)
        {
            return UserAdminOutcome.NotFound;
        }

        if (!MayManage(caller, target))
        {
            return UserAdminOutcome.Forbidden;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        var change = await users.DeleteAsync(caller.TenantId, userId, target.Role, cancellationToken);
        if (change != UserChange.Done)
        {
            return Map(change).Outcome;
        }

        await audit.RecordAsync(caller, AuditEvents.UserDeleted, userId, $"role {TenantRoles.Name(target.Role)}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return UserAdminOutcome.Done;
    }

    /// <summary>A page of the user's live sessions (never a key); null when there is no such human user in the tenant.</summary>
    public async Task<Page<AppSession>?> ListSessionsAsync(
        AuthenticatedCaller caller, Guid userId, PageRequest page, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        return target is null ? null : await sessions.ListAsync(target.Id, page, cancellationToken);
    }

    public async Task<UserAdminOutcome> RevokeSessionsAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        if (target is null)
        {
            return UserAdminOutcome.NotFound;
        }

        if (!MayManage(caller, target))
        {
            return UserAdminOutcome.Forbidden;
        }

        await sessions.RevokeAllAsync(caller, target.Id, cancellationToken);
        return UserAdminOutcome.Done;
    }

    /// <summary>
    /// Clears the user's failed-login count: after <c>Latchkey:Lockout:MaxFailures</c> failures only this ends the lock.
    /// Note: only an owner unlocks an owner. An admin who could would guess an owner's password without limit:
    /// guess until locked, unlock, repeat.
    /// </summary>
    public async Task<UserAdminOutcome> UnlockAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        if (target is null)
        {
            return UserAdminOutcome.NotFound;
        }

        if (!MayManage(caller, target))
        {
            return UserAdminOutcome.Forbidden;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        await throttle.UnlockAsync(target.Login, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.UserUnlocked, target.Id, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return UserAdminOutcome.Done;
    }

    /// <summary>
    /// Sets a new password for the user (who has forgotten it, or is a locked-out owner) and ends all its sessions, like
    /// a password change. The new password meets the same policy as any other.
    /// </summary>
    public async Task<UserAdminResult> ResetPasswordAsync(
        AuthenticatedCaller caller, Guid userId, string? password, CancellationToken cancellationToken)
    {
        var target = await FindHumanAsync(caller, userId, cancellationToken);
        if (target is null)
        {
            return UserAdminOutcome.NotFound;
        }

        if (!MayManage(caller, target))
        {
            return UserAdminOutcome.Forbidden;
        }

        var tenant = await tenants.FindAsync(caller.TenantId, cancellationToken);
        var minLength = (await policies.FindAsync(caller.TenantId, cancellationToken)).PasswordMinLength;
        var (verifier, weakness) = await passwords.CreateVerifierAsync(password, target.Login, tenant?.Name, "password", cancellationToken, minLength);
        if (weakness is not null)
        {
            return new UserAdminResult(UserAdminOutcome.Invalid, Error: weakness);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.ChangeSecretAsync(target.Id, verifier!, null, CredentialEndReason.PasswordReset, cancellationToken))
        {
            return UserAdminOutcome.NotFound;
        }

        await notices.PasswordChangedAsync(target, tenant?.Name, Email.SecurityNotices.How.ByAdmin, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.PasswordReset, target.Id, "all sessions ended", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        notices.Wake();
        return new UserAdminResult(UserAdminOutcome.Done, target);
    }

    // Note: machine users are managed under /v1/machine-users only; here their ids are as unknown as another tenant's.
    private async Task<User?> FindHumanAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        return user is { Kind: UserKind.Human } ? user : null;
    }

    // Note: the policies already keep members and machines out; these rules are checked again here because they
    // depend on the user acted on, which no endpoint-level policy can see.
    private static bool MayManage(AuthenticatedCaller caller, User target) =>
        caller.Kind == UserKind.Human && (caller.Role == TenantRole.Owner || (caller.Role == TenantRole.Admin && target.Role != TenantRole.Owner));

    /// <summary>The role rule of adding a person, shared by invitations: an admin grants member or admin, an owner any.</summary>
    internal static bool MayGrant(AuthenticatedCaller caller, TenantRole role) =>
        caller.Kind == UserKind.Human && caller.Role >= TenantRole.Admin && role <= caller.Role;

    private static UserAdminResult Map(UserChange change) => change switch
    {
        UserChange.LastOwner => UserAdminOutcome.LastOwner,
        UserChange.Conflict => UserAdminOutcome.Conflict,
        _ => UserAdminOutcome.NotFound,
    };

    private static UserAdminResult Invalid(string field, string message) =>
        new(UserAdminOutcome.Invalid, Error: new InputError(field, message));

    private static UserAdminResult InvalidRoles() =>
        Invalid("roles", $"Exactly one role is required: \"{TenantRoles.Owner}\", \"{TenantRoles.Admin}\" or \"{TenantRoles.Member}\".");
}
