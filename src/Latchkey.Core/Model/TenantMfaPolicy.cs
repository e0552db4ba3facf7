namespace Latchkey.Core.Model;

/// <summary>
/// The roles (<see cref="TenantRoles"/> names, space-separated) whose people must have a second factor. Note: a table of
/// its own, not a column of tenants: login reads it, and the login path never touches the tenant's own data.
/// </summary>
internal sealed class TenantMfaPolicy
{
    public Guid TenantId { get; set; }

    public string RequiredFor { get; set; } = "";
}
