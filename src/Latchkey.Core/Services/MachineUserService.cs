using System.Buffers;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>
/// Machine users: users whose login is 16 random bytes and whose secret is 32 more; the token is the two together.
/// </summary>
internal sealed class MachineUserService(IUserStore users, IUnitOfWork work, AuditLog audit, TimeProvider time)
{
    public const int MaxNameLength = 100;
    public const int MaxScopes = 32;
    public const int MaxScopeLength = 64;

    private static readonly SearchValues<char> ScopeChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._-/");

    public async Task<(MachineUserCreated? Created, InputError? Error)> CreateAsync(
        AuthenticatedCaller caller, string? name, IReadOnlyList<string>? scopes, CancellationToken cancellationToken)
    {
        var cleanName = TextInput.Clean(name, MaxNameLength);
        if (cleanName is null)
        {
            return (null, new("name", $"A name of 1 to {MaxNameLength} printable characters is required."));
        }

        var scopeList = scopes ?? [];
        if (scopeList.Count > MaxScopes || scopeList.Any(s => s is null || s.Length is 0 or > MaxScopeLength || s.AsSpan().ContainsAnyExcept(ScopeChars)))
        {
            return (null, new("scopes", $"At most {MaxScopes} scopes, each 1 to {MaxScopeLength} characters of [A-Za-z0-9:._-/]."));
        }

        var now = time.GetUtcNow();
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
    public async Task<string?> RotateAsync(AuthenticatedCaller caller, Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(caller.TenantId, userId, cancellationToken);
        if (user is not { Kind: UserKind.Machine })
        {
            return null;
        }

        var (token, digest) = TokenFormat.Create(TokenKind.MachineToken, user.Login);
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await users.ChangeSecretAsync(user.Id, SecretDigest.ToVerifier(digest), null, CredentialEndReason.TokenRotated, cancellationToken))
        {
            return null;
        }

        await audit.RecordAsync(caller, AuditEvents.MachineUserTokenRotated, user.Id, Describe(user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return token;
    }

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
