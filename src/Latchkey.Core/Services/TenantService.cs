using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>The tenant's own data (name, contact e-mail). Nothing on the authentication path uses this service.</summary>
internal sealed class TenantService(
    ITenantStore tenants, IUnitOfWork work, AuditLog audit, PasswordService passwords, TimeProvider time, ISecondFactorStore factors)
{
    public const int MaxContactEmailLength = 320;

    public const int MaxTenantNameLength = 200;

    /// <summary>
    /// An operator creates a tenant with its first owner: sign-up without the API, so whether registration is open does
    /// not matter. The entry names the operator.
    /// </summary>
    public Task<SignupResult> CreateAsync(
        string operatorName, string? tenantName, string? ownerLogin, string? ownerPassword, CancellationToken cancellationToken) =>
        CreateWithOwnerAsync(tenantName, ownerLogin, ownerPassword,
            (tenant, owner) => audit.Create(AuthenticatedCaller.ForOperator(tenant.Id, operatorName), AuditEvents.TenantCreated, owner.Id, $"owner {owner.Login}"),
            cancellationToken);

    /// <summary>
    /// Checks the tenant's name and its owner's login and password, then creates both with the audit entry that
    /// <paramref name="entry"/> makes, in one transaction. Sign-up and operators share it.
    /// </summary>
    /// <remarks>
    /// With <paramref name="ownerEmail"/> the owner gets that (unverified) address, and <paramref name="alsoInTransaction"/>
    /// runs in the same transaction after the rows are added (sign-up queues the verification message there).
    /// </remarks>
    public async Task<SignupResult> CreateWithOwnerAsync(
        string? tenantName, string? ownerLogin, string? ownerPassword, Func<Tenant, User, AuditEntry> entry, CancellationToken cancellationToken,
        string? ownerEmail = null, Func<Tenant, User, CancellationToken, Task>? alsoInTransaction = null)
    {
        var name = TextInput.Clean(tenantName, MaxTenantNameLength);
        if (name is null)
        {
            return Invalid("tenant", $"A tenant name of 1 to {MaxTenantNameLength} printable characters is required.");
        }

        var login = LoginNormalizer.Normalize(ownerLogin);
        if (login is null)
        {
            return Invalid("login", $"A login of 1 to {LoginNormalizer.MaxLength} printable characters is required.");
        }

        var (verifier, weakness) = await passwords.CreateVerifierAsync(ownerPassword, login, name, "password", cancellationToken);
        if (weakness is not null)
        {
            return new(SignupOutcome.Invalid, Error: weakness);
        }

        var now = time.GetUtcNow();
        var tenant = new Tenant { Id = Guid.CreateVersion7(now), Name = name, CreatedAt = now };
        var owner = new User
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenant.Id,
            Kind = UserKind.Human,
            Login = login,
            SecretVerifier = verifier!,
            Role = TenantRole.Owner,
            CreatedAt = now,
            Email = ownerEmail,
        };
        if (ownerEmail is null || alsoInTransaction is null)
        {
            return await tenants.CreateWithOwnerAsync(tenant, owner, entry(tenant, owner), cancellationToken)
                ? new(SignupOutcome.Created, tenant.Id, owner.Id)
                : new(SignupOutcome.LoginTaken);
        }

        // Note: opened after the password is hashed, so the transaction (SQLite: the write lock) is held briefly.
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await tenants.CreateWithOwnerAsync(tenant, owner, entry(tenant, owner), cancellationToken))
        {
            return new(SignupOutcome.LoginTaken);
        }

        await alsoInTransaction(tenant, owner, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(SignupOutcome.Created, tenant.Id, owner.Id);

        static SignupResult Invalid(string field, string message) => new(SignupOutcome.Invalid, Error: new(field, message));
    }

    /// <summary>Cross-tenant, for operators: every tenant.</summary>
    public Task<IReadOnlyList<Tenant>> ListAllAsync(CancellationToken cancellationToken) => tenants.ListAllAsync(cancellationToken);

    public Task<Tenant?> GetAsync(AuthenticatedCaller caller, CancellationToken cancellationToken) =>
        tenants.FindAsync(caller.TenantId, cancellationToken);

    /// <summary>
    /// Changes what is given: a null field stays as it is; an empty contact e-mail clears it. Null tenant when it is gone.
    /// </summary>
    public async Task<(Tenant? Tenant, InputError? Error)> UpdateAsync(
        AuthenticatedCaller caller, string? name, string? contactEmail, CancellationToken cancellationToken)
    {
        var tenant = await tenants.FindAsync(caller.TenantId, cancellationToken);
        if (tenant is null)
        {
            return (null, null);
        }

        var newName = tenant.Name;
        if (name is not null && (newName = TextInput.Clean(name, MaxTenantNameLength)) is null)
        {
            return (tenant, new("name", $"A tenant name of 1 to {MaxTenantNameLength} printable characters is required."));
        }

        var newEmail = tenant.ContactEmail;
        if (contactEmail is not null)
        {
            newEmail = contactEmail.Trim().Length == 0 ? null : TextInput.Clean(contactEmail, MaxContactEmailLength);
            if (contactEmail.Trim().Length > 0 && !LooksLikeEmail(newEmail))
            {
                return (tenant, new("contactEmail", $"An e-mail address of at most {MaxContactEmailLength} characters, or \"\" to clear it."));
            }
        }

        var changed = new List<string>(2);
        if (newName != tenant.Name)
        {
            changed.Add("name");
        }

        if (newEmail != tenant.ContactEmail)
        {
            changed.Add("contactEmail");
        }

        if (changed.Count == 0)
        {
            return (tenant, null);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await tenants.UpdateAsync(caller.TenantId, newName, newEmail, cancellationToken))
        {
            return (null, null);
        }

        // Note: the entry names the fields, not their values: the tenant's own data stays in its own table.
        await audit.RecordAsync(caller, AuditEvents.TenantUpdated, null, string.Join(", ", changed), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        tenant.Name = newName;
        tenant.ContactEmail = newEmail;
        return (tenant, null);
    }

    /// <summary>
    /// Sets which roles must have a second factor (owners only; audited). Applies from each person's next sign-in: a
    /// session open now keeps what it could do.
    /// </summary>
    public async Task<(InputError? Error, bool Forbidden)> SetMfaPolicyAsync(
        AuthenticatedCaller caller, IReadOnlyList<string?> roles, CancellationToken cancellationToken)
    {
        if (!MfaPolicy.TryFormat(roles, out var stored))
        {
            return (new("mfaRequiredFor", "A list of roles: owner, admin, member."), false);
        }

        if (caller.Role != TenantRole.Owner)
        {
            return (null, true);
        }

        var current = await factors.FindMfaPolicyAsync(caller.TenantId, cancellationToken);
        if (current == stored)
        {
            return (null, false);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        await factors.SetMfaPolicyAsync(caller.TenantId, stored, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.MfaPolicyChanged, null,
            $"mfaRequiredFor: [{current}] -> [{stored}]", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (null, false);
    }

    /// <summary>The roles (space-separated) the caller's tenant requires a second factor of.</summary>
    public Task<string> GetMfaPolicyAsync(AuthenticatedCaller caller, CancellationToken cancellationToken) =>
        factors.FindMfaPolicyAsync(caller.TenantId, cancellationToken);

    // Note: deliberately loose (one @, something either side, no spaces): only a message that arrives proves an address.
    private static bool LooksLikeEmail(string? email) =>
        email is not null && email.IndexOf('@') is > 0 and var at && at == email.LastIndexOf('@') && at < email.Length - 1
        && !email.Any(char.IsWhiteSpace);
}
