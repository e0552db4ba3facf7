namespace Latchkey.Core.Model;

/// <summary>
/// One security event of a tenant (the <c>audit_log</c> table). Identifiers and short, non-secret details only: no
/// password, key or token, and none of the tenant's own data.
/// </summary>
internal sealed class AuditEntry
{
    public const int MaxEventLength = 64;
    public const int MaxAppIdLength = 128;
    public const int MaxIpAddressLength = 45;
    public const int MaxDetailLength = 200;
    public const int MaxOperatorLength = 100;

    // Note: the order of the log is the storage's insertion sequence, not Id or At: several entries can share one
    // instant (and a UUIDv7 is random within its millisecond), and the sequence is never shown to clients, so it
    // cannot reveal how busy other tenants are.
    public long Sequence { get; set; }

    /// <summary>The entry's public id, also the paging cursor (<c>?before=</c>).</summary>
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>One of <see cref="AuditEvents"/>.</summary>
    public required string Event { get; set; }

    /// <summary>Who did it; null when nobody was authenticated (a failed login).</summary>
    public Guid? ActorUserId { get; set; }

    /// <summary>
    /// The operator who acted on the database directly rather than through the API (the <c>latchkey</c> tool:
    /// <c>cli:&lt;os user&gt;@&lt;host&gt;</c>); then <see cref="ActorUserId"/> is null. Null for everything done through the API.
    /// </summary>
    public string? Operator { get; set; }

    /// <summary>Whom it concerned.</summary>
    public Guid? SubjectUserId { get; set; }

    public string? AppId { get; set; }

    public string? IpAddress { get; set; }

    /// <summary>A short, non-secret detail (a role change, a reason, a count), at most <see cref="MaxDetailLength"/> characters.</summary>
    public string? Detail { get; set; }
}

/// <summary>The names of the events in the audit log; stable, since operators filter on them.</summary>
internal static class AuditEvents
{
    public const string Signup = "signup";
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string SessionCreated = "session.created";
    public const string SessionRevoked = "session.revoked";
    public const string SessionEvicted = "session.evicted";
    public const string PasswordChanged = "password.changed";
    public const string PasswordChangeFailed = "password.change_failed";
    public const string MachineUserCreated = "machine_user.created";
    public const string MachineUserTokenRotated = "machine_user.token_rotated";
    public const string MachineUserDeleted = "machine_user.deleted";
    public const string MachineUserGraceEnded = "machine_user.grace_ended";
    public const string MachineUserIntrospectionGranted = "machine_user.introspection_granted";
    public const string MachineUserIntrospectionRevoked = "machine_user.introspection_revoked";
    public const string MachineUserRateLimitSet = "machine_user.rate_limit_set";
    public const string MachineUserRateLimitCleared = "machine_user.rate_limit_cleared";
    public const string JwtKeyRotated = "jwt.key_rotated";
    public const string UserCreated = "user.created";
    public const string UserRoleChanged = "user.role_changed";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserDeleted = "user.deleted";
    public const string UserUnlocked = "user.unlocked";
    public const string TenantUpdated = "tenant.updated";
    public const string TenantCreated = "tenant.created";
    public const string AuditExported = "audit.exported";
    public const string PasswordReset = "password.reset";
    public const string PasswordResetRequested = "password.reset_requested";
    public const string EmailChangeRequested = "email.change_requested";
    public const string EmailVerified = "email.verified";
    public const string InvitationCreated = "invitation.created";
    public const string InvitationRevoked = "invitation.revoked";
    public const string InvitationAccepted = "invitation.accepted";
    public const string UserImported = "user.imported";
    public const string MfaTotpEnrolled = "mfa.totp_enrolled";
    public const string MfaTotpRemoved = "mfa.totp_removed";
    public const string MfaRecoveryCodesReplaced = "mfa.recovery_codes_replaced";
    public const string MfaRecoveryCodeUsed = "mfa.recovery_code_used";
    public const string MfaReset = "mfa.reset";
    public const string MfaFailed = "mfa.failed";
    public const string Reauthenticated = "session.reauthenticated";
    public const string ReauthenticationFailed = "session.reauthentication_failed";
    public const string MfaPolicyChanged = "tenant.mfa_policy_changed";

    public const string TenantPolicyChanged = "tenant.policy_changed";
    public const string MfaPasskeyRegistered = "mfa.passkey_registered";
    public const string MfaPasskeyRemoved = "mfa.passkey_removed";
    public const string MfaPasskeyRefused = "mfa.passkey_refused";
    public const string CredentialLeaked = "credential.leaked";
}
