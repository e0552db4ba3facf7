using System.Security.Cryptography;

namespace Latchkey.Core.Credentials.Imported;

/// <summary>Django's <c>pbkdf2_sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;base64 hash&gt;</c> (django.contrib.auth.hashers).</summary>
internal static class DjangoPbkdf2
{
    public static ImportedHashCheck TryParse(string hash, out int iterations, out string salt, out byte[] expected)
    {
        iterations = 0;
        salt = "";
        expected = [];
        var parts = hash.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2_sha256" || !int.TryParse(parts[1], out var count) || count < 1 || parts[2].Length == 0)
        {
            return ImportedHashCheck.Malformed;
        }

        var bytes = new byte[parts[3].Length];
        if (!Convert.TryFromBase64String(parts[3], bytes, out var length) || length < 16)
        {
            return ImportedHashCheck.Malformed;
        }

        if (ImportedHashLimits.Pbkdf2Work(count, length, SHA256.HashSizeInBytes) > ImportedHashLimits.MaxPbkdf2Work)
        {
            return ImportedHashCheck.AboveLimits;
        }

        (iterations, salt, expected) = (count, parts[2], bytes[..length]);
        return ImportedHashCheck.Valid;
    }
}
