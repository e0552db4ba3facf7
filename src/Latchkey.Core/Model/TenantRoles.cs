namespace Latchkey.Core.Model;

/// <summary>The wire names of <see cref="TenantRole"/> (<c>owner</c>, <c>admin</c>, <c>member</c>).</summary>
internal static class TenantRoles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Member = "member";

    public static string Name(TenantRole role) => role switch
    {
        TenantRole.Owner => Owner,
        TenantRole.Admin => Admin,
        _ => Member,
    };

    /// <summary>
    /// The one role in <paramref name="roles"/>. Note: the contract carries roles as an array for later growth; a
    /// user holds exactly one role today, so anything but one known name is refused rather than guessed at.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string?>? roles, out TenantRole role)
    {
        role = TenantRole.Member;
        if (roles is not { Count: 1 })
        {
            return false;
        }

        switch (roles[0])
        {
            case Owner:
                role = TenantRole.Owner;
                return true;
            case Admin:
                role = TenantRole.Admin;
                return true;
            case Member:
                role = TenantRole.Member;
                return true;
            default:
                return false;
        }
    }
}
