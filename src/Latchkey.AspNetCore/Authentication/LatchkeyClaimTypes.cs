namespace Latchkey.AspNetCore.Authentication;

/// <summary>The claims a Latchkey principal carries.</summary>
public static class LatchkeyClaimTypes
{
    public const string UserId = "sub";
    public const string TenantId = "tenant_id";
    public const string Login = "login";

    /// <summary><c>human</c> or <c>machine</c>.</summary>
    public const string Kind = "kind";

    /// <summary>The tenant role (<c>owner</c>, <c>admin</c>, <c>member</c>), also the principal's role claim type.</summary>
    public const string Role = "role";

    /// <summary>One claim per scope of a machine user.</summary>
    public const string Scope = "scope";

    public const string SessionId = "sid";
    public const string AppId = "app_id";
}
