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
}
