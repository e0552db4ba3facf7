namespace Latchkey.AspNetCore.Endpoints;

// Note: the wire contract of DESIGN.md §3 (v1). Property names are serialised camelCase.

internal sealed record SignupRequest(string? Tenant, string? Login, string? Password);

internal sealed record SignupResponse(Guid TenantId, Guid UserId);

internal sealed record LoginRequest(string? Login, string? Password, string? AppId, string? AppName);

internal sealed record LoginResponse(Guid SessionId, string ApiKey, string AppId, DateTimeOffset ExpiresAt);

internal sealed record MeResponse(Guid UserId, Guid TenantId, string Login, string Kind, IReadOnlyList<string> Roles, Guid? SessionId);

internal sealed record SessionResponse(
    Guid Id, string AppId, string? AppName, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, bool Current);

internal sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword);

internal sealed record MachineUserRequest(string? Name, IReadOnlyList<string>? Scopes);

internal sealed record MachineUserCreatedResponse(Guid UserId, string Name, string Token);

internal sealed record MachineUserResponse(Guid UserId, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

internal sealed record TokenResponse(string Token);

internal sealed record UserRequest(string? Login, string? Password, IReadOnlyList<string?>? Roles);

/// <summary>PATCH /v1/users/{id}: what is given changes, what is absent stays.</summary>
internal sealed record UserUpdateRequest(IReadOnlyList<string?>? Roles, bool? Disabled);

internal sealed record UserResponse(
    Guid UserId, string Login, IReadOnlyList<string> Roles, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

internal sealed record TenantResponse(Guid TenantId, string Name, string? ContactEmail, DateTimeOffset CreatedAt);

/// <summary>PATCH /v1/tenant: what is given changes; an empty contactEmail clears it.</summary>
internal sealed record TenantUpdateRequest(string? Name, string? ContactEmail);

internal sealed record AuditEntryResponse(
    Guid Id, DateTimeOffset At, string Event, Guid? ActorUserId, Guid? SubjectUserId, string? AppId, string? Ip, string? Detail,
    string? Operator);

/// <summary>A page of the audit log, newest first; pass <c>nextBefore</c> as <c>?before=</c> for the next (null on the last page).</summary>
internal sealed record AuditPageResponse(IReadOnlyList<AuditEntryResponse> Entries, Guid? NextBefore);
