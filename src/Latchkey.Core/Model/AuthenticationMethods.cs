namespace Latchkey.Core.Model;

/// <summary>
/// The <c>amr</c> values (RFC 8176) a session records, space-separated in storage and as an array on the wire.
/// </summary>
internal static class AuthenticationMethods
{
    /// <summary>A password.</summary>
    public const string Password = "pwd";

    /// <summary>A one-time password from an authenticator app (TOTP).</summary>
    public const string OneTimePassword = "otp";

    /// <summary>A recovery code (not in RFC 8176's registry; named as Auth0 and Okta name it).</summary>
    public const string RecoveryCode = "rec";

    /// <summary>A passkey bound to one device (RFC 8176 <c>hwk</c>): its backup-eligible flag was clear at registration.</summary>
    public const string HardwareKey = "hwk";

    /// <summary>A synced passkey (RFC 8176 <c>swk</c>): backup-eligible, so its private key may leave the device.</summary>
    public const string SoftwareKey = "swk";

    public static IReadOnlyList<string> Parse(string? amr) =>
        string.IsNullOrEmpty(amr) ? [Password] : amr.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
