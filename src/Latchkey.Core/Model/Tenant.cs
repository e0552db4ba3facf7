namespace Latchkey.Core.Model;

/// <summary>
/// The organisation or person holding the contract. This is the tenant's own (personal) data; it lives in its own
/// table and the authentication path never loads it.
/// </summary>
internal sealed class Tenant
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? ContactEmail { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The roles (<see cref="TenantRoles"/> names, space-separated) whose people must have a second factor.</summary>
    public string MfaRequiredFor { get; set; } = "";
}
