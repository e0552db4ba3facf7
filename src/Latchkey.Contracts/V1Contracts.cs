namespace Latchkey.Contracts;

// Note: the wire contract of DESIGN.md §3 (v1), public so that the .NET client (Latchkey.Client) and integrators share
// it with the server. Property names are serialised camelCase (System.Text.Json's web defaults).

/// <summary><c>email</c> is optional; a login that is an address is taken as the address when none is given.</summary>
public sealed record SignupRequest(string? Tenant, string? Login, string? Password, string? Email = null);

public sealed record SignupResponse(Guid TenantId, Guid UserId);

public sealed record LoginRequest(string? Login, string? Password, string? AppId, string? AppName);

public sealed record LoginResponse(Guid SessionId, string ApiKey, string AppId, DateTimeOffset ExpiresAt);

/// <summary>Login with <c>?useCookies=true</c>: the key went into the HttpOnly cookie only, so the body has none.</summary>
public sealed record CookieLoginResponse(Guid SessionId, string AppId, DateTimeOffset ExpiresAt);

/// <summary>
/// <c>email</c> is the person's address (null: none; machines have none), <c>emailVerified</c> whether its link was
/// opened; <c>amr</c> and <c>authTime</c>: how and when the person last authenticated in this session (null for machine tokens).
/// For a machine token (<c>kind: "machine"</c>): <c>login</c> and <c>name</c> are the machine user's name, <c>scopes</c>
/// its scopes, and <c>roles</c> is empty (a machine acts by its scopes, not by a tenant role); null for a person.
/// <c>mustChangePassword</c> (a person only): true while the password is still the one an admin set; every endpoint
/// but this one, <c>PUT /v1/me/password</c> and signing out answers 403 until the person chooses their own.
/// </summary>
public sealed record MeResponse(
    Guid UserId, Guid TenantId, string Login, string Kind, IReadOnlyList<string> Roles, Guid? SessionId,
    string? Email = null, bool EmailVerified = false,
    IReadOnlyList<string>? Amr = null, DateTimeOffset? AuthTime = null,
    string? Name = null, IReadOnlyList<string>? Scopes = null, bool? MustChangePassword = null);

public sealed record SessionResponse(
    Guid Id, string AppId, string? AppName, DateTimeOffset CreatedAt, string? CreatedIp, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt,
    bool Current, IReadOnlyList<string>? Amr = null, DateTimeOffset? AuthTime = null);

public sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword);

public sealed record MachineUserRequest(string? Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt = null, long? ExpiresIn = null);

/// <summary>
/// <c>POST /v1/machine-users/{id}/token</c> (all optional): how long the previous token keeps working (0 to 604800
/// seconds, default 0), and the new token's expiry (<c>expiresAt</c> or <c>expiresIn</c> seconds; default none).
/// </summary>
public sealed record MachineTokenRequest(int? GraceSeconds = null, long? ExpiresIn = null, DateTimeOffset? ExpiresAt = null);

/// <summary>A rotated machine token (shown once), its expiry, and until when the previous one still works.</summary>
public sealed record MachineTokenResponse(string Token, DateTimeOffset? ExpiresAt, DateTimeOffset? PreviousTokenValidUntil);

public sealed record MachineUserCreatedResponse(Guid UserId, string Name, string Token);

/// <summary>
/// <c>PUT /v1/machine-users/{id}/rate-limit</c>: the machine user's own limit, <paramref name="Permits"/> requests in each
/// window of <paramref name="WindowSeconds"/> (1 to 86400), replacing the numbers of every endpoint limited per credential.
/// Also the answer of that call and of <c>GET</c> on the same path.
/// </summary>
public sealed record MachineUserRateLimitBody(int? Permits, int? WindowSeconds);

/// <summary>
/// One machine user in a listing. <c>id</c> is what <c>/v1/machine-users/{id}</c> takes, as in every other listing;
/// <c>userId</c> is the same value, kept for the clients written against it. <c>tokenCreatedAt</c>: when its current
/// token was issued (at creation or the last rotation); <c>expiresAt</c>: that token's expiry (null: none).
/// </summary>
public sealed record MachineUserResponse(Guid Id, Guid UserId, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt = null, DateTimeOffset? PreviousTokenValidUntil = null, DateTimeOffset? TokenCreatedAt = null);

public sealed record TokenResponse(string Token);

/// <summary>
/// <c>POST /v1/users</c>: a person with the password the admin chose. <c>mustChangePassword</c> (default true): their
/// first sign-in asks them to choose their own, and until they do their sessions reach only <c>GET /v1/me</c>,
/// <c>PUT /v1/me/password</c> and signing out; false leaves the password as it is (automation, tests).
/// </summary>
public sealed record UserRequest(string? Login, string? Password, IReadOnlyList<string?>? Roles, bool? MustChangePassword = null);

/// <summary>PATCH /v1/users/{id}: what is given changes, what is absent stays.</summary>
public sealed record UserUpdateRequest(IReadOnlyList<string?>? Roles, bool? Disabled);

/// <summary>
/// A person as an admin sees it. <c>lastUsedAt</c>: the latest use of any of its live sessions; <c>lastSignInAt</c>:
/// its latest sign-in (null: never, or not since this was recorded). Lock state: <c>failedAttempts</c> consecutive
/// failed sign-ins, <c>lockedOut</c> once they reach <c>Latchkey:Lockout:MaxFailures</c> (until an admin unlocks it),
/// <c>nextAttemptAt</c> while a delay holds sign-in back (null otherwise). <c>secondFactors</c>: the second factors it
/// has (<c>totp</c>, <c>passkey</c>); empty for none. <c>email</c>, <c>emailVerified</c>: its address, if any.
/// <c>mustChangePassword</c>: the password is still the one an admin set, and the person must choose their own.
/// </summary>
public sealed record UserResponse(
    Guid UserId, string Login, IReadOnlyList<string> Roles, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? LastSignInAt = null, bool LockedOut = false, DateTimeOffset? NextAttemptAt = null, int FailedAttempts = 0,
    IReadOnlyList<string>? SecondFactors = null, string? Email = null, bool EmailVerified = false, bool MustChangePassword = false);

/// <summary><c>mfaRequiredFor</c>: the roles whose people must have a second factor.</summary>
public sealed record TenantResponse(Guid TenantId, string Name, string? ContactEmail, DateTimeOffset CreatedAt, IReadOnlyList<string>? MfaRequiredFor = null);

/// <summary>PATCH /v1/tenant: what is given changes; an empty contactEmail clears it; mfaRequiredFor replaces the set of roles.</summary>
public sealed record TenantUpdateRequest(string? Name, string? ContactEmail, IReadOnlyList<string?>? MfaRequiredFor = null);

/// <summary>One audit entry; <c>appName</c> is the device's name where a live session still names its app instance.</summary>
public sealed record AuditEntryResponse(
    Guid Id, DateTimeOffset At, string Event, Guid? ActorUserId, Guid? SubjectUserId, string? AppId, string? Ip, string? Detail,
    string? Operator, string? AppName = null);

/// <summary>A page of the audit log, newest first; pass <c>nextBefore</c> as <c>?before=</c> for the next (null on the last page).</summary>
public sealed record AuditPageResponse(IReadOnlyList<AuditEntryResponse> Entries, Guid? NextBefore);

/// <summary>
/// One credential found in a public place, as secret scanners report it (<c>POST /v1/leaks</c> takes an array of these).
/// </summary>
public sealed record LeakReport(string? Token, string? Type, string? Url, string? Source);

/// <summary>The one answer of <c>POST /v1/leaks</c>: how many reports the array held, whatever the tokens were.</summary>
public sealed record LeakReportAccepted(int Received);

/// <summary>
/// The tenant's own rules (<c>GET</c>/<c>PATCH /v1/tenant/policy</c>): each null means the server's; <c>server</c> gives
/// the server's values, which the tenant's may only be stricter than. Lifetimes are in seconds.
/// <c>machineTokenScopes</c>: the scopes a machine user may be given (null: any).
/// </summary>
public sealed record TenantPolicyResponse(
    long? SessionAbsoluteLifetimeSeconds,
    long? SessionIdleTimeoutSeconds,
    int? MaxAppInstancesPerPerson,
    long? MachineTokenMaxLifetimeSeconds,
    IReadOnlyList<string>? MachineTokenScopes,
    int? PasswordMinLength,
    IReadOnlyList<string> MfaRequiredFor,
    DateTimeOffset? UpdatedAt,
    TenantPolicyServerLimits Server);

/// <summary>The server's values a tenant's policy stays within; <c>minSessionIdleTimeoutSeconds</c> is the shortest idle timeout a tenant may set.</summary>
public sealed record TenantPolicyServerLimits(
    long SessionAbsoluteLifetimeSeconds,
    long SessionIdleTimeoutSeconds,
    long MinSessionIdleTimeoutSeconds,
    int MaxAppInstancesPerPerson,
    long MachineTokenMaxLifetimeSeconds,
    int PasswordMinLength,
    int PasswordMaxLength);
