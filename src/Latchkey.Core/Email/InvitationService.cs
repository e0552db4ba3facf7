using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Email;

/// <summary>
/// Owners and admins invite people by address (the role rules of adding a person apply); accepting the link creates
/// the person with the address as login and as a verified address, in the inviter's tenant, with the role. The admin
/// never knows the password. Invitations live 7 days; each is spent once (accepted or revoked).
/// </summary>
internal sealed class InvitationService(
    IInvitationStore invitations,
    IUserStore users,
    ITenantStore tenants,
    TenantContext tenantContext,
    EmailOutbox outbox,
    PasswordService passwords,
    IUnitOfWork work,
    AuditLog audit,
    TimeProvider time,
    ITenantPolicyStore policies)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public async Task<InvitationResult> InviteAsync(
        AuthenticatedCaller caller, string? email, IReadOnlyList<string?>? roles, CancellationToken cancellationToken)
    {
        var address = EmailAddress.Normalize(email);
        if (address is null)
        {
            return Invalid("email", $"One e-mail address of at most {EmailAddress.MaxLength} characters, without a display name, is required.");
        }

        if (!TenantRoles.TryParse(roles, out var role))
        {
            return Invalid("role", $"One role is required: \"{TenantRoles.Owner}\", \"{TenantRoles.Admin}\" or \"{TenantRoles.Member}\".");
        }

        if (!UserAdminService.MayGrant(caller, role))
        {
            return new(InvitationOutcome.Forbidden);
        }

        var tenant = await tenants.FindAsync(caller.TenantId, cancellationToken);
        var now = time.GetUtcNow();
        var (token, digest) = LinkToken.Create(LinkToken.InvitationPrefix);
        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(now),
            TenantId = caller.TenantId,
            Email = address,
            Role = role,
            Digest = digest,
            InvitedBy = caller.Operator is null ? caller.UserId : null,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        await using (var transaction = await work.BeginAsync(cancellationToken))
        {
            await invitations.AddAsync(invitation, cancellationToken);
            await outbox.QueueAsync(EmailTemplateNames.Invitation, address, tenant?.Name, new Dictionary<string, string>
            {
                ["link"] = outbox.Link("/accept-invitation", token),
                ["role"] = TenantRoles.Name(role),
            }, Lifetime, cancellationToken);
            await audit.RecordAsync(caller, AuditEvents.InvitationCreated, null, $"invitation {invitation.Id}, role {TenantRoles.Name(role)}", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        outbox.Wake();
        return new(InvitationOutcome.Done, invitation);
    }

    public Task<IReadOnlyList<Invitation>> ListAsync(AuthenticatedCaller caller, CancellationToken cancellationToken) =>
        invitations.ListPendingAsync(caller.TenantId, time.GetUtcNow(), cancellationToken);

    public async Task<bool> RevokeAsync(AuthenticatedCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await invitations.RevokeAsync(caller.TenantId, id, time.GetUtcNow(), cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync(caller, AuditEvents.InvitationRevoked, null, $"invitation {id}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Creates the invited person and spends the invitation in one transaction: a second acceptance, a revoked or expired
    /// invitation, or a login taken meanwhile leaves nothing behind.
    /// </summary>
    public async Task<InvitationResult> AcceptAsync(string? token, string? password, CancellationToken cancellationToken)
    {
        var digest = LinkToken.TryDigest(token, LinkToken.InvitationPrefix);
        var invitation = digest is null ? null : await invitations.FindPendingByDigestAsync(digest, time.GetUtcNow(), cancellationToken);
        var login = invitation is null ? null : LoginNormalizer.Normalize(invitation.Email);
        if (invitation is null || login is null)
        {
            return new(InvitationOutcome.BadToken);
        }

        tenantContext.Enter(invitation.TenantId);
        var tenant = await tenants.FindAsync(invitation.TenantId, cancellationToken);
        var minLength = (await policies.FindAsync(invitation.TenantId, cancellationToken)).PasswordMinLength;
        var (verifier, weakness) = await passwords.CreateVerifierAsync(password, login, tenant?.Name, "password", cancellationToken, minLength);
        if (weakness is not null)
        {
            return new(InvitationOutcome.Invalid, Error: weakness);
        }

        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(now),
            TenantId = invitation.TenantId,
            Kind = UserKind.Human,
            Login = login,
            SecretVerifier = verifier!,
            Role = invitation.Role,
            CreatedAt = now,
            Email = invitation.Email,
            EmailVerified = true,
        };
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await invitations.AcceptAsync(invitation.Id, user.Id, now, cancellationToken))
        {
            return new(InvitationOutcome.BadToken);
        }

        if (!await users.CreateAsync(user, cancellationToken))
        {
            return new(InvitationOutcome.LoginTaken);
        }

        await audit.RecordAsync(
        [
            audit.Create(AuditEvents.InvitationAccepted, invitation.TenantId, user.Id, user.Id, $"invitation {invitation.Id}"),
            audit.Create(AuditEvents.UserCreated, invitation.TenantId, invitation.InvitedBy, user.Id, $"role {TenantRoles.Name(user.Role)}, by invitation"),
        ], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(InvitationOutcome.Done, invitation, user);
    }

    private static InvitationResult Invalid(string field, string message) => new(InvitationOutcome.Invalid, Error: new InputError(field, message));
}

internal enum InvitationOutcome
{
    Done,
    Invalid,
    Forbidden,
    BadToken,
    LoginTaken,
}

internal sealed record InvitationResult(InvitationOutcome Outcome, Invitation? Invitation = null, User? User = null, InputError? Error = null);
