namespace Latchkey.Core.Credentials.Imported;

/// <summary>An Argon2 PHC string: <c>$argon2id$v=19$m=...,t=...,p=...$salt$hash</c> (unpadded base64).</summary>
internal static class Argon2Phc
{
    public readonly record struct Parameters(string Variant, int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash);

    public static ImportedHashCheck TryParse(string phc, out Parameters parameters, out string error)
    {
        parameters = default;
        error = "malformed Argon2 PHC string";
        var parts = phc.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] is not ("argon2id" or "argon2i" or "argon2d"))
        {
            return ImportedHashCheck.Malformed;
        }

        // Note: only version 1.3 (v=19), the one every current library writes; 1.0 strings omit v= and hash differently.
        if (parts[2] != "v=19")
        {
            error = "unsupported Argon2 version (only v=19)";
            return ImportedHashCheck.Malformed;
        }

        int memory = 0, iterations = 0, parallelism = 0;
        foreach (var pair in parts[3].Split(','))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2 || !int.TryParse(kv[1], out var value))
            {
                return ImportedHashCheck.Malformed;
            }

            switch (kv[0])
            {
                case "m": memory = value; break;
                case "t": iterations = value; break;
                case "p": parallelism = value; break;
                default: return ImportedHashCheck.Malformed;
            }
        }

        if (memory < 8 || iterations < 1 || parallelism < 1 || memory < 8 * parallelism)
        {
            return ImportedHashCheck.Malformed;
        }

        var salt = FromUnpaddedBase64(parts[4]);
        var hash = FromUnpaddedBase64(parts[5]);
        if (salt is not { Length: >= 8 } || hash is not { Length: >= 16 })
        {
            return ImportedHashCheck.Malformed;
        }

        if (memory > ImportedHashLimits.MaxArgon2MemoryKiB || iterations > ImportedHashLimits.MaxArgon2Iterations
            || parallelism > ImportedHashLimits.MaxArgon2Parallelism)
        {
            error = $"Argon2 parameters above the import limits (m ≤ {ImportedHashLimits.MaxArgon2MemoryKiB} KiB, "
                + $"t ≤ {ImportedHashLimits.MaxArgon2Iterations}, p ≤ {ImportedHashLimits.MaxArgon2Parallelism})";
            return ImportedHashCheck.AboveLimits;
        }

        parameters = new(parts[1], memory, iterations, parallelism, salt, hash);
        error = "";
        return ImportedHashCheck.Valid;
    }

    private static byte[]? FromUnpaddedBase64(string text)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        var bytes = new byte[padded.Length];
        return Convert.TryFromBase64String(padded, bytes, out var length) ? bytes[..length] : null;
    }
}
