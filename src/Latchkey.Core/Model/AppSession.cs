namespace Latchkey.Core.Model;

/// <summary>One app instance of a user (seed 1's <c>api_user_key</c> row): the key works only with its app id.</summary>
internal sealed class AppSession
{
    public const int MaxIpAddressLength = 45;

    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    // Note: a copy of the user's tenant, so that storage can confine every session query to the caller's tenant with
    // one indexed column instead of a join through users.
    public Guid TenantId { get; set; }

    public required string AppId { get; set; }

    public string? AppName { get; set; }

    /// <summary>The public part of the API key; the index the request path looks keys up by.</summary>
    public required string KeyId { get; set; }

    // Note: only the SHA-256 digest of the key's secret part is stored, so a copy of the database cannot be used
    // to authenticate.
    public required byte[] KeyDigest { get; set; }

    /// <summary>The user's <see cref="User.CredentialVersion"/> when the session was issued.</summary>
    public int CredentialVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The client address the login came from (as the host sees it), so a person can recognise the device.</summary>
    public string? CreatedIp { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }

    /// <summary>The absolute expiry; the idle timeout may end the session sooner.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>How the person last authenticated in this session: <see cref="AuthenticationMethods"/>, space-separated.</summary>
    public string Amr { get; set; } = AuthenticationMethods.Password;

    /// <summary>When the person last authenticated in this session (login or re-authentication): what step-up checks.</summary>
    public DateTimeOffset AuthTime { get; set; }

    /// <summary>
    /// Opened under the tenant's policy for a person who has no second factor yet: it may only enrol one. Cleared on
    /// every session of the person when they confirm a factor.
    /// </summary>
    public bool EnrolmentOnly { get; set; }
}
