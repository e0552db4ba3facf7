namespace Latchkey.Core.Credentials;

/// <summary>
/// Why a credential that once worked no longer does: the <c>reason</c> of its 401 (docs/authorization.md). A credential
/// that never worked has none, so a guesser learns nothing.
/// </summary>
internal enum CredentialEndReason
{
    None = 0,
    Expired = 1,
    Idle = 2,
    LoggedOut = 3,
    RevokedByAdmin = 4,
    Replaced = 5,
    PasswordChanged = 6,
    PasswordReset = 7,
    UserDisabled = 8,
    UserDeleted = 9,
    TokenRotated = 10,
    Leaked = 11,
    SessionEvicted = 12,
    TenantPolicy = 13,
}

internal static class CredentialEndReasons
{
    /// <summary>The reason's name on the wire; null for <see cref="CredentialEndReason.None"/>.</summary>
    public static string? ToWire(this CredentialEndReason reason) => reason switch
    {
        CredentialEndReason.Expired => "expired",
        CredentialEndReason.Idle => "idle",
        CredentialEndReason.LoggedOut => "logged_out",
        CredentialEndReason.RevokedByAdmin => "revoked_by_admin",
        CredentialEndReason.Replaced => "replaced",
        CredentialEndReason.PasswordChanged => "password_changed",
        CredentialEndReason.PasswordReset => "password_reset",
        CredentialEndReason.UserDisabled => "user_disabled",
        CredentialEndReason.UserDeleted => "user_deleted",
        CredentialEndReason.TokenRotated => "token_rotated",
        CredentialEndReason.Leaked => "leaked",
        CredentialEndReason.SessionEvicted => "session_evicted",
        CredentialEndReason.TenantPolicy => "tenant_policy",
        _ => null,
    };
}
