using System.Buffers;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>
/// Machine users: users whose login is 16 random bytes and whose secret is 32 more; the token is the two together.
/// </summary>
internal sealed class MachineUserService(
    IUserStore users, IUnitOfWork work, AuditLog audit, TimeProvider time, ITenantPolicyStore policies, IMachineUserRateLimitStore rateLimits)
{
    public const int MaxNameLength = 100;
    public const int MaxScopes = 32;
    public const int MaxScopeLength = 64;

    /// <summary>
    /// The scope that lets a machine user introspect credentials of every tenant. Note: reserved: only an operator
    /// grants it (<c>latchkey machine-user grant-introspection --all-tenants</c>, audited); the API refuses it, so no
    /// tenant admin can give a machine of theirs a view into other tenants.
    /// </summary>
    public const string AllTenantsIntrospectionScope = "latchkey:introspect:all-tenants";

    /// <summary>The scope that lets a machine user introspect credentials of its own tenant (<c>POST /v1/introspect</c>).</summary>
    public const string IntrospectionScope = "latchkey:introspect";

    private static readonly SearchValues<char> ScopeChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._-/");

    /// <summary>The longest grace period a rotation gives the previous token: 7 days.</summary>
    public const int MaxGraceSeconds = 7 * 24 * 3600;

    /// <summary>The furthest a token's expiry may lie ahead: 10 years.</summary>
    public static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromDays(3650);

    public Task<(MachineUserCreated? Created, InputError? Error)> CreateAsync(
        AuthenticatedCaller caller, string? name, IReadOnlyList<string>? scopes, CancellationToken cancellationToken) =>
        CreateAsync(caller, name, scopes, new TokenExpiry(null, null), cancellationToken);

    public async Task<(MachineUserCreated? Created, InputError? Error)> CreateAsync(
        AuthenticatedCaller caller, string? name, IReadOnlyList<string>? scopes, TokenExpiry expiry, CancellationToken cancellationToken)
    {
        var cleanName = TextInput.Clean(name, MaxNameLength);
        if (cleanName is null)
        {
            return (null, new("name", $"A name of 1 to {MaxNameLength} printable characters is required."));
        }

        var scopeList = scopes ?? [];
        if (CheckScopes(scopeList, "scopes") is { } scopeError)
        {
            return (null, scopeError);
        }

        var policy = await policies.FindAsync(caller.TenantId, cancellationToken);
        if (policy.AllowedScopes is { } allowed && scopeList.FirstOrDefault(s => !allowed.Contains(s, StringComparer.Ordinal)) is { } refused)
        {
            return (null, new("scopes", $"The scope {refused} is not among the scopes the tenant's policy allows: {(allowed.Count == 0 ? "none" : string.Join(' ', allowed))}."));
        }

        var now = time.GetUtcNow();
        if (!TryResolve(expiry, now, out var expiresAt, out var expiryError) || !WithinPolicy(policy, expiry, now, ref expiresAt, out expiryError))
        {
            return (null, expiryError);
        }

        var login = TokenFormat.NewPublicPart();
        var (token, digest) = TokenFormat.Create(TokenKind.MachineToken, login);
        var user = new User
        {
            Id = Guid.CreateVersion7(now),
            TenantId = caller.TenantId,
            Kind = UserKind.Machine,
            Login = login,
            Name = cleanName,
            SecretVerifier = SecretDigest.ToVerifier(digest),
            Role = TenantRole.Member,
            Scopes = string.Join(' ', scopeList.Distinct(StringComparer.Ordinal)),
            CreatedAt = now,
            TokenExpiresAt = expiresAt,
        };

        // Note: 128 random bits make a clash with any existing login vanishingly unlikely; a clash is still refused by
        // the unique index rather than silently sharing a login.
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.CreateAsync(user, cancellationToken))
        {
            throw new InvalidOperationException("A freshly generated machine login collided with an existing login.");
        }

        await audit.RecordAsync(caller, AuditEvents.MachineUserCreated, user.Id, Describe(user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (new MachineUserCreated(user, token), null);
    }

    /// <summary>A page of the tenant's machine users, newest first.</summary>
    public async Task<Page<User>> ListAsync(AuthenticatedCaller caller, PageRequest page, CancellationToken cancellationToken) =>
        Page<User>.Cut(await users.ListAsync(caller.TenantId, UserKind.Machine, page.Probe, cancellationToken), page, u => u.Id);

    /// <summary>A new secret for the same login; the old token stops working at once. Null when not found.</summary>
    public async Task<string?> RotateAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken) =>
        (await RotateAsync(caller, userId, 0, new TokenExpiry(null, null), cancellationToken))?.Token;

    /// <summary>
    /// A new secret for the same login. With <paramref name="graceSeconds"/> (0 to 7 days) the old token keeps working
    /// until then, as the machine user's one previous token, so a fleet can roll over; with 0 it stops at once. Null
    /// when not found.
    /// </summary>
    public async Task<MachineTokenRotation?> RotateAsync(
        AuthenticatedCaller caller, Guid userId, int? graceSeconds, TokenExpiry expiry, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (graceSeconds is < 0 or > MaxGraceSeconds)
        {
            return new MachineTokenRotation(null, null, null, new("graceSeconds", $"graceSeconds must be 0 to {MaxGraceSeconds} (7 days)."));
        }

        if (!TryResolve(expiry, now, out var expiresAt, out var expiryError)
            || !WithinPolicy(await policies.FindAsync(caller.TenantId, cancellationToken), expiry, now, ref expiresAt, out expiryError))
        {
            return new MachineTokenRotation(null, null, null, expiryError);
        }

        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (user is not { Kind: UserKind.Machine })
        {
            return null;
        }

        var graceEnds = graceSeconds is > 0 ? now.AddSeconds(graceSeconds.Value) : (DateTimeOffset?)null;

        // Note: the grace never outlives the old token's own expiry.
        if (graceEnds > user.TokenExpiresAt)
        {
            graceEnds = user.TokenExpiresAt > now ? user.TokenExpiresAt : null;
        }
        var (token, digest) = TokenFormat.Create(TokenKind.MachineToken, user.Login);
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.RotateMachineTokenAsync(user.Id, SecretDigest.ToVerifier(digest), expiresAt, graceEnds, cancellationToken))
        {
            return null;
        }

        var detail = graceEnds is { } ends ? $"{Describe(user)}; previous token valid until {ends:u}" : Describe(user);
        await audit.RecordAsync(caller, AuditEvents.MachineUserTokenRotated, user.Id, detail, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new MachineTokenRotation(token, expiresAt, graceEnds, null);
    }

    /// <summary>Ends the grace period of the machine user's previous token now; false when not found or it had none.</summary>
    public async Task<bool> EndGraceAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (user is not { Kind: UserKind.Machine, PreviousSecretVerifier: not null })
        {
            return false;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.EndGraceAsync(user.Id, cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync(caller, AuditEvents.MachineUserGraceEnded, user.Id, Describe(user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Null when <paramref name="scopes"/> are well-formed and grantable by a tenant, otherwise why not (reported
    /// against <paramref name="field"/>).
    /// </summary>
    public static InputError? CheckScopes(IReadOnlyList<string> scopes, string field)
    {
        if (scopes.Count > MaxScopes || scopes.Any(s => s is null || s.Length is 0 or > MaxScopeLength || s.AsSpan().ContainsAnyExcept(ScopeChars)))
        {
            return new(field, $"At most {MaxScopes} scopes, each 1 to {MaxScopeLength} characters of [A-Za-z0-9:._-/].");
        }

        return scopes.Contains(AllTenantsIntrospectionScope, StringComparer.Ordinal)
            ? new(field, $"The scope {AllTenantsIntrospectionScope} is granted by an operator only (latchkey machine-user grant-introspection --all-tenants).")
            : null;
    }

    /// <summary>
    /// Holds the expiry to the tenant's maximum token lifetime: a token asked for without one gets the maximum, one
    /// asked for beyond it is refused.
    /// </summary>
    private static bool WithinPolicy(TenantPolicy policy, TokenExpiry expiry, DateTimeOffset now, ref DateTimeOffset? expiresAt, out InputError? error)
    {
        error = null;
        if (policy.MachineTokenMaxLifetimeSeconds is not { } max)
        {
            return true;
        }

        var latest = now.AddSeconds(max);
        if (expiresAt is null)
        {
            expiresAt = latest;
            return true;
        }

        if (expiresAt > latest)
        {
            var field = expiry.ExpiresIn is not null ? "expiresIn" : "expiresAt";
            error = new(field, $"The tenant's policy lets a machine token live at most {max} seconds (machineTokenMaxLifetimeSeconds).");
            return false;
        }

        return true;
    }

    /// <summary>
    /// Operator only (<c>latchkey machine-user grant-introspection|revoke-introspection</c>): sets how far the machine
    /// user may introspect: not at all, its own tenant's credentials (<see cref="IntrospectionScope"/>), or every
    /// tenant's (with <see cref="AllTenantsIntrospectionScope"/> too). Its other scopes stay. A change is audited in the
    /// machine user's tenant and announced, so a withdrawn grant holds on every instance from the next request. Null
    /// when not found.
    /// </summary>
    public async Task<User?> SetIntrospectionAsync(
        AuthenticatedCaller caller, Guid userId, IntrospectionReach reach, CancellationToken cancellationToken)
    {
        // Note: the reserved scope opens every tenant's credentials; no tenant's admin may grant it, only an operator.
        if (caller.Operator is null)
        {
            throw new InvalidOperationException("Only an operator sets a machine user's introspection reach.");
        }

        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (user is not { Kind: UserKind.Machine })
        {
            return null;
        }

        var before = user.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var others = before.Where(s => s is not IntrospectionScope and not AllTenantsIntrospectionScope);
        var scopes = string.Join(' ', reach switch
        {
            IntrospectionReach.AllTenants => others.Append(IntrospectionScope).Append(AllTenantsIntrospectionScope),
            IntrospectionReach.OwnTenant => others.Append(IntrospectionScope),
            _ => others,
        });
        if (scopes == user.Scopes)
        {
            return user;
        }

        var widened = Reach(before) < reach;
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.SetScopesAsync(caller.TenantId, user.Id, scopes, cancellationToken))
        {
            return null;
        }

        user.Scopes = scopes;
        await audit.RecordAsync(caller,
            widened ? AuditEvents.MachineUserIntrospectionGranted : AuditEvents.MachineUserIntrospectionRevoked, user.Id, Describe(user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    /// <summary>How far scopes reach in introspection.</summary>
    public static IntrospectionReach Reach(IReadOnlyCollection<string> scopes) =>
        !scopes.Contains(IntrospectionScope) ? IntrospectionReach.None
        : scopes.Contains(AllTenantsIntrospectionScope) ? IntrospectionReach.AllTenants
        : IntrospectionReach.OwnTenant;

    /// <summary>The expiry asked for: <c>expiresAt</c> or <c>expiresIn</c> (seconds), not both; null for none.</summary>
    private static bool TryResolve(TokenExpiry expiry, DateTimeOffset now, out DateTimeOffset? expiresAt, out InputError? error)
    {
        expiresAt = null;
        error = null;
        if (expiry.ExpiresAt is not null && expiry.ExpiresIn is not null)
        {
            error = new("expiresIn", "Give expiresAt or expiresIn, not both.");
            return false;
        }

        if (expiry.ExpiresIn is { } seconds)
        {
            if (seconds < 60 || seconds > (long)MaxTokenLifetime.TotalSeconds)
            {
                error = new("expiresIn", $"expiresIn must be 60 to {(long)MaxTokenLifetime.TotalSeconds} seconds.");
                return false;
            }

            expiresAt = now.AddSeconds(seconds);
        }
        else if (expiry.ExpiresAt is { } at)
        {
            if (at <= now.AddSeconds(59) || at > now + MaxTokenLifetime)
            {
                error = new("expiresAt", "expiresAt must lie at least a minute and at most 10 years ahead.");
                return false;
            }

            expiresAt = at.ToUniversalTime();
        }

        return true;
    }

    /// <summary>
    /// Gives the machine user its own rate limit, replacing the numbers of every endpoint limited per credential; null
    /// when it is not one of the caller's tenant's machine users, else the error in the numbers (or none). Audited.
    /// </summary>
    public async Task<(bool Found, InputError? Error)> SetRateLimitAsync(
        AuthenticatedCaller caller, Guid userId, int permits, int windowSeconds, CancellationToken cancellationToken)
    {
        if (permits is < 1 or > MachineUserRateLimit.MaxPermits)
        {
            return (true, new InputError("permits", $"Permits must be 1 to {MachineUserRateLimit.MaxPermits}."));
        }

        if (windowSeconds is < 1 or > MachineUserRateLimit.MaxWindowSeconds)
        {
            return (true, new InputError("windowSeconds", $"The window must be 1 to {MachineUserRateLimit.MaxWindowSeconds} seconds."));
        }

        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (user is not { Kind: UserKind.Machine })
        {
            return (false, null);
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        await rateLimits.SetAsync(new MachineUserRateLimit
        {
            UserId = user.Id, TenantId = user.TenantId, Permits = permits, WindowSeconds = windowSeconds, UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        await audit.RecordAsync(caller, AuditEvents.MachineUserRateLimitSet, user.Id,
            $"{user.Name}: {permits} per {windowSeconds} s", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (true, null);
    }

    /// <summary>Clears the machine user's own rate limit (the endpoints' numbers apply again); false when not found. Audited.</summary>
    public async Task<bool> ClearRateLimitAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (user is not { Kind: UserKind.Machine })
        {
            return false;
        }

        await using var transaction = await work.BeginAsync(cancellationToken);
        if (await rateLimits.ClearAsync(user.TenantId, user.Id, cancellationToken))
        {
            await audit.RecordAsync(caller, AuditEvents.MachineUserRateLimitCleared, user.Id, user.Name ?? "", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The machine user's own rate limit, if it is one of the tenant's and has one.</summary>
    public async Task<MachineUserRateLimit?> FindRateLimitAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken) =>
        await rateLimits.FindAsync(userId, cancellationToken) is { } limit && limit.TenantId == caller.TenantId ? limit : null;

    public async Task<bool> DeleteAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (user is not { Kind: UserKind.Machine } || await users.DeleteAsync(caller.TenantId, userId, user.Role, cancellationToken) != UserChange.Done)
        {
            return false;
        }

        await audit.RecordAsync(caller, AuditEvents.MachineUserDeleted, user.Id, Describe(user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static string Describe(User machine) =>
        machine.Scopes.Length == 0 ? machine.Name ?? "" : $"{machine.Name} (scopes: {machine.Scopes})";
}

/// <summary>How far a machine user may introspect: ordered, so that a move up is a grant and a move down a withdrawal.</summary>
internal enum IntrospectionReach
{
    None,
    OwnTenant,
    AllTenants,
}
