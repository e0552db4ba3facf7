using System.Security.Cryptography;
using Latchkey.Core.Credentials;
using Microsoft.AspNetCore.DataProtection;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Core's <see cref="ISecretProtector"/> over ASP.NET Core Data Protection. Note: the purpose string isolates these
/// payloads from every other use of the key ring (cookies, antiforgery): a payload made for another purpose does not
/// decrypt here. Where the key ring lives (and that every instance shares it) is the host's configuration.
/// </summary>
internal sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    public const string Purpose = "Latchkey.SecondFactors.TotpSecret.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public bool TryUnprotect(string protectedText, out string plaintext)
    {
        try
        {
            plaintext = _protector.Unprotect(protectedText);
            return true;
        }
        catch (CryptographicException)
        {
            // Note: a key that left the ring, or a tampered value: the factor cannot be used, which fails closed.
            plaintext = "";
            return false;
        }
    }
}
