using System.Text.Json;

namespace Latchkey.Contracts;

// Note: second factors and step-up (DESIGN.md §3a); serialised camelCase like the rest of V1Contracts.

/// <summary>GET /v1/me/mfa: whether an authenticator app is active, how many recovery codes are left, how many passkeys.</summary>
public sealed record MfaStatusResponse(bool Totp, int RecoveryCodesLeft, int Passkeys = 0);

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

/// <summary>
/// POST /v1/login/mfa: the mfaToken, the first step's appId, and one of a TOTP code, a recovery code, or a passkey's
/// assertion (the browser's PublicKeyCredential as JSON) with the ceremonyId of POST /v1/login/passkey/options.
/// </summary>
public sealed record MfaLoginRequest(
    string? MfaToken, string? AppId, string? Code, string? RecoveryCode, string? AppName = null, Guid? CeremonyId = null, JsonElement? Passkey = null);

/// <summary>
/// POST /v1/sessions/current/reauthenticate: the password and, for a person with a second factor, a code, a recovery
/// code, or a passkey's assertion with the ceremonyId of POST /v1/sessions/current/reauthenticate/passkey-options.
/// </summary>
public sealed record ReauthenticateRequest(string? Password, string? Code, string? RecoveryCode = null, Guid? CeremonyId = null, JsonElement? Passkey = null);

/// <summary>
/// A WebAuthn ceremony's options, as JSON for <c>PublicKeyCredential.parseCreationOptionsFromJSON</c> /
/// <c>parseRequestOptionsFromJSON</c> (binary members base64url), and the id to send back with the answer.
/// </summary>
public sealed record PasskeyOptionsResponse(Guid CeremonyId, JsonElement Options);

/// <summary>POST /v1/me/mfa/passkeys: the registration ceremony's id, the browser's PublicKeyCredential as JSON, a name.</summary>
public sealed record PasskeyRegistrationRequest(Guid? CeremonyId, JsonElement? Credential, string? Name = null);

/// <summary>One of the caller's passkeys; <c>backedUp</c>: synced to other devices by its provider.</summary>
public sealed record PasskeyResponse(Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, bool BackedUp);

/// <summary>
/// POST /v1/login/passkey/options: the app instance, and for a login's second step its mfaToken (none: a password-less
/// sign-in with a discoverable passkey).
/// </summary>
public sealed record PasskeyLoginOptionsRequest(string? AppId, string? MfaToken = null, string? AppName = null);

/// <summary>POST /v1/login/passkey: a password-less sign-in; the answer to the options' ceremony, for the same appId.</summary>
public sealed record PasskeyLoginRequest(Guid? CeremonyId, string? AppId, JsonElement? Credential);
