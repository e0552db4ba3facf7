namespace Latchkey.Contracts;

// Note: second factors and step-up (DESIGN.md §3a); serialised camelCase like the rest of V1Contracts.

/// <summary>GET /v1/me/mfa: whether an authenticator app is active, and how many recovery codes are left.</summary>
public sealed record MfaStatusResponse(bool Totp, int RecoveryCodesLeft);

/// <summary>POST /v1/me/mfa/totp.</summary>
public sealed record TotpEnrolmentRequest(string? Password);

/// <summary>The new authenticator's secret in base32, its otpauth URI and that URI as an SVG QR code; nothing is active yet.</summary>
public sealed record TotpEnrolmentResponse(string Secret, string OtpauthUri, string QrSvg);

/// <summary>POST /v1/me/mfa/totp/confirm and POST /v1/me/mfa/recovery-codes: a current code of the authenticator.</summary>
public sealed record TotpCodeRequest(string? Code);

/// <summary>DELETE /v1/me/mfa/totp.</summary>
public sealed record TotpRemovalRequest(string? Password, string? Code);

/// <summary>Ten single-use recovery codes, shown this once.</summary>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary>POST /v1/login for a person with a second factor: no session yet; finish with POST /v1/login/mfa.</summary>
public sealed record MfaRequiredResponse(bool MfaRequired, string MfaToken, IReadOnlyList<string> Methods, DateTimeOffset ExpiresAt);

/// <summary>POST /v1/login/mfa: the mfaToken, the first step's appId, and either a TOTP code or a recovery code.</summary>
public sealed record MfaLoginRequest(string? MfaToken, string? AppId, string? Code, string? RecoveryCode, string? AppName = null);

/// <summary>POST /v1/sessions/current/reauthenticate: the password and, for a person with a second factor, a code.</summary>
public sealed record ReauthenticateRequest(string? Password, string? Code, string? RecoveryCode = null);
