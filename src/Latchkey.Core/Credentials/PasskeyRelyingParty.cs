using Fido2NetLib;
using Latchkey.Core.Email;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Credentials;

/// <summary>
/// The WebAuthn relying party, made from <c>Latchkey:PublicBaseUrl</c>: its host is the RP id, its scheme, host and
/// port the one origin accepted. Note: never from the request's Host header: an answer signed for another origin (a
/// phishing site's) is refused however the request reached this server.
/// </summary>
internal sealed class PasskeyRelyingParty(IOptions<LatchkeyEmailOptions> email, IOptions<LatchkeyMfaOptions> mfa)
{
    private readonly Lazy<Fido2?> _fido2 = new(() => Create(email.Value.PublicBaseUrl, mfa.Value.Issuer));

    /// <summary>The library set up for this relying party, or null when no public base URL is configured.</summary>
    public Fido2? Fido2 => _fido2.Value;

    private static Fido2? Create(string? publicBaseUrl, string name)
    {
        if (string.IsNullOrEmpty(publicBaseUrl) || !Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var url))
        {
            return null;
        }

        return new Fido2(new Fido2Configuration
        {
            RPID = url.IdnHost,
            RPName = name,
            Origins = new HashSet<string>(StringComparer.Ordinal) { url.GetLeftPart(UriPartial.Authority) },

            // Note: the library's defaults, stated: synced (backup-eligible, backed-up) passkeys are allowed; the flags
            // are stored and checked for consistency by PasskeyService instead.
            BackupEligibleCredentialPolicy = Fido2Configuration.CredentialBackupPolicy.Allowed,
            BackedUpCredentialPolicy = Fido2Configuration.CredentialBackupPolicy.Allowed,
        });
    }
}
