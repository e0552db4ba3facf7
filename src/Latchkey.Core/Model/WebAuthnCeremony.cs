namespace Latchkey.Core.Model;

/// <summary>What a pending WebAuthn ceremony is for.</summary>
internal enum WebAuthnCeremonyKind
{
    /// <summary>Registering a passkey for the signed-in person (<see cref="WebAuthnCeremony.SessionId"/>).</summary>
    Registration = 1,

    /// <summary>Signing in with a discoverable passkey, without a password (<see cref="WebAuthnCeremony.AppId"/>).</summary>
    SignIn = 2,

    /// <summary>A passkey as the second step of a login (<see cref="WebAuthnCeremony.MfaChallengeId"/>).</summary>
    SecondFactor = 3,

    /// <summary>A passkey for step-up re-authentication of the session (<see cref="WebAuthnCeremony.SessionId"/>).</summary>
    Reauthentication = 4,
}

/// <summary>
/// The server's half of a WebAuthn ceremony between its options and the authenticator's answer: the options sent
/// (their random challenge above all), whom and what they are for, and until when. Note: kept in the database, not in
/// memory or a cookie, so the answer may reach any instance, and taken (deleted) by the first answer: single use.
/// </summary>
internal sealed class WebAuthnCeremony
{
    public Guid Id { get; set; }

    public WebAuthnCeremonyKind Kind { get; set; }

    /// <summary>The person it is for; null for a password-less sign-in, which learns the person from the passkey.</summary>
    public Guid? UserId { get; set; }

    /// <summary>The app instance the ceremony is bound to: the answer must name the same one.</summary>
    public required string AppId { get; set; }

    public string? AppName { get; set; }

    /// <summary>The session a registration or re-authentication is for.</summary>
    public Guid? SessionId { get; set; }

    /// <summary>The login's pending second step a <see cref="WebAuthnCeremonyKind.SecondFactor"/> ceremony serves.</summary>
    public Guid? MfaChallengeId { get; set; }

    /// <summary>The options as sent (JSON), which verifying the answer needs.</summary>
    public required string Options { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
