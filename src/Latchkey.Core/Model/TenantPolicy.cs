namespace Latchkey.Core.Model;

/// <summary>
/// A tenant's own rules, each stricter than the server's or null for the server's (docs/authorization.md, "Tenant
/// policy"). Note: a table of its own, not columns of tenants: the request path joins it to the session it reads, and
/// that path never touches the tenant's own data.
/// </summary>
internal sealed class TenantPolicy
{
    public Guid TenantId { get; set; }

    /// <summary>Sessions end this long after login; at most the server's absolute lifetime.</summary>
    public long? SessionAbsoluteLifetimeSeconds { get; set; }

    /// <summary>Sessions end after this long unused; at most the server's idle timeout.</summary>
    public long? SessionIdleTimeoutSeconds { get; set; }

    /// <summary>Live app instances (sessions) one person may have; at most the server's bound.</summary>
    public int? MaxSessionsPerUser { get; set; }

    /// <summary>The longest a machine token may live; a token created without an expiry gets this one.</summary>
    public long? MachineTokenMaxLifetimeSeconds { get; set; }

    /// <summary>The scopes a machine user may be given, space-separated; null: any.</summary>
    public string? MachineTokenScopes { get; set; }

    /// <summary>The shortest password a person of the tenant may set; at least the server's minimum.</summary>
    public int? PasswordMinLength { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public TimeSpan? SessionAbsoluteLifetime => SessionAbsoluteLifetimeSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

    public TimeSpan? SessionIdleTimeout => SessionIdleTimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

    public TimeSpan? MachineTokenMaxLifetime => MachineTokenMaxLifetimeSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>The allowed scopes as a list; null: any.</summary>
    public IReadOnlyList<string>? AllowedScopes =>
        MachineTokenScopes is null ? null : MachineTokenScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether nothing is set: the server's rules hold.</summary>
    public bool IsEmpty => SessionAbsoluteLifetimeSeconds is null && SessionIdleTimeoutSeconds is null && MaxSessionsPerUser is null
        && MachineTokenMaxLifetimeSeconds is null && MachineTokenScopes is null && PasswordMinLength is null;

    public TenantPolicy Copy() => (TenantPolicy)MemberwiseClone();
}
