using System.Globalization;
using OtpNet;

namespace Latchkey.Core.Credentials;

/// <summary>
/// RFC 6238 time-based one-time passwords as every authenticator app computes them by default: HMAC-SHA1, 6 digits,
/// 30-second steps (Otp.NET does the arithmetic). A code is accepted in the current step or one step either side, for
/// clocks that drift and codes typed as they roll over (RFC 6238 §5.2 recommends at most one step back).
/// </summary>
internal static class TotpCodes
{
    public const int Digits = 6;

    public const int PeriodSeconds = 30;

    // Note: 160 bits, the HMAC-SHA1 block's natural key length (RFC 4226 §4 asks for at least 128, recommends 160).
    public const int SecretBytes = 20;

    /// <summary>A new shared secret in base32 (RFC 4648, upper case, unpadded), as authenticator apps take it.</summary>
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(SecretBytes)).TrimEnd('=');

    /// <summary>
    /// The Key URI Format of Google Authenticator, which every authenticator app reads:
    /// <c>otpauth://totp/&lt;issuer&gt;:&lt;login&gt;?secret=…&amp;issuer=…&amp;algorithm=SHA1&amp;digits=6&amp;period=30</c>.
    /// </summary>
    public static string KeyUri(string issuer, string login, string secret)
    {
        var label = Uri.EscapeDataString(issuer) + ":" + Uri.EscapeDataString(login);
        return string.Create(CultureInfo.InvariantCulture,
            $"otpauth://totp/{label}?secret={secret}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={PeriodSeconds}");
    }

    /// <summary>
    /// The time step whose code <paramref name="code"/> is, within one step of <paramref name="now"/>; null when it is
    /// none of them or not six digits.
    /// </summary>
    public static long? MatchStep(string secret, string? code, DateTimeOffset now)
    {
        var digits = code?.Replace(" ", "", StringComparison.Ordinal);
        if (digits is not { Length: Digits } || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(secret), PeriodSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }
}
