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
