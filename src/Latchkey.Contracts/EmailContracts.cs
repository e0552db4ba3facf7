using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

// Note: these bodies carry tokens and passwords; a member the contract does not know is refused (400), not ignored,
// so a client's mistake (or a smuggled field) is seen at once.

/// <summary><c>PUT /v1/me/email</c>: the new address and the current password.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record EmailChangeRequest(string? Email, string? Password);

/// <summary><c>POST /v1/email/verify</c>: the token from the link's fragment.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record EmailVerifyRequest(string? Token);

/// <summary><c>POST /v1/password-reset</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PasswordResetRequest(string? Login);

/// <summary>The one answer to <c>POST /v1/password-reset</c>, whatever the login.</summary>
public sealed record PasswordResetAccepted(string Message);

/// <summary><c>POST /v1/password-reset/complete</c>: the token from the link's fragment and the new password.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PasswordResetCompleteRequest(string? Token, string? Password);

/// <summary><c>POST /v1/invitations</c>: the address to invite and the role it will have.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record InvitationRequest(string? Email, string? Role);

/// <summary>The invitation just made (its link went by e-mail only).</summary>
public sealed record InvitationCreatedResponse(Guid Id, DateTimeOffset ExpiresAt);

/// <summary>A pending invitation as <c>GET /v1/invitations</c> lists it.</summary>
public sealed record InvitationResponse(Guid Id, string Email, string Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary><c>POST /v1/invitations/accept</c>: the token from the link's fragment and the person's password.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record InvitationAcceptRequest(string? Token, string? Password);

/// <summary>The person the acceptance created.</summary>
public sealed record InvitationAcceptedResponse(Guid UserId, Guid TenantId);
