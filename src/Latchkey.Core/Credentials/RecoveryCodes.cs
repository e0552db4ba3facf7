using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Model;

namespace Latchkey.Core.Credentials;

/// <summary>
/// Recovery codes: ten at a time, each 24 base32 characters (120 random bits) shown as <c>xxxx-xxxx-xxxx-xxxx-xxxx-xxxx</c>,
/// stored only as SHA-256 of the user id and the code. Note: at 112 bits or more a look-up secret may be stored under a
/// plain approved hash (ASVS 5.0 6.5.2, NIST SP 800-63B-4 §3.1.2.2): an offline search of a stolen digest is hopeless,
/// so no slow hash is needed and a code can be found by its digest; the user id in the digest keeps one digest from
/// matching another person's code.
/// </summary>
internal static class RecoveryCodes
{
    public const int Count = 10;

    private const int CodeBytes = 15;

    /// <summary>A fresh set for the user: the codes to show once, and the rows to store.</summary>
    public static (IReadOnlyList<string> Codes, IReadOnlyList<RecoveryCode> Rows) Generate(Guid userId, Guid tenantId, DateTimeOffset now)
    {
        var codes = new List<string>(Count);
        var rows = new List<RecoveryCode>(Count);
        Span<byte> random = stackalloc byte[CodeBytes];
        for (var i = 0; i < Count; i++)
        {
            RandomNumberGenerator.Fill(random);
            var plain = Base32.Encode(random);
            codes.Add(string.Join('-', plain.Chunk(4).Select(group => new string(group))));
            rows.Add(new RecoveryCode { Id = Guid.CreateVersion7(now), UserId = userId, TenantId = tenantId, Digest = Digest(userId, plain)!, CreatedAt = now });
        }

        CryptographicOperations.ZeroMemory(random);
        return (codes, rows);
    }

    /// <summary>The digest of a presented code (case, spaces and dashes ignored); null when it cannot be one.</summary>
    public static byte[]? Digest(Guid userId, string? code)
    {
        if (code is null || code.Length > 64)
        {
            return null;
        }

        var plain = new string(code.Where(c => c is not ('-' or ' ')).Select(char.ToLowerInvariant).ToArray());
        if (plain.Length != Base32.EncodedLength(CodeBytes))
        {
            return null;
        }

        return SHA256.HashData(Encoding.ASCII.GetBytes(userId.ToString("N") + ":" + plain));
    }
}
