namespace Latchkey.Core.Credentials.Imported;

/// <summary>
/// Foreign password hashes as Latchkey stores them until the user's next login replaces them with Argon2id: the
/// original hash behind a <c>{format}</c> prefix (Spring Security's convention for delegating encoders), so that the
/// verifier says what it is and no foreign string can pass for one of Latchkey's own. Each format's layout is parsed
/// by its own type (<see cref="AspNetIdentityHash"/>, <see cref="BcryptHash"/>, <see cref="Argon2Phc"/>,
/// <see cref="DjangoPbkdf2"/>), each checking <see cref="ImportedHashLimits"/>.
/// </summary>
internal static class ImportedHash
{
    public static string Prefix(ImportedHashFormat format) => format switch
    {
        ImportedHashFormat.AspNetIdentity => "{aspnet-identity}",
        ImportedHashFormat.Bcrypt => "{bcrypt}",
        ImportedHashFormat.Argon2 => "{argon2}",
        _ => "{django-pbkdf2-sha256}",
    };

    /// <summary>The format of a stored verifier, or null when it is not an imported one.</summary>
    public static ImportedHashFormat? FormatOf(string verifier, out ReadOnlySpan<char> original)
    {
        original = default;
        if (!verifier.StartsWith('{'))
        {
            return null;
        }

        foreach (var format in Enum.GetValues<ImportedHashFormat>())
        {
            var prefix = Prefix(format);
            if (verifier.StartsWith(prefix, StringComparison.Ordinal))
            {
                original = verifier.AsSpan(prefix.Length);
                return format;
            }
        }

        return null;
    }

    /// <summary>Checks <paramref name="hash"/> as a hash of <paramref name="format"/>: its structure and its cost.</summary>
    public static ImportedHashCheck Check(ImportedHashFormat format, string hash, out string error)
    {
        switch (format)
        {
            case ImportedHashFormat.Bcrypt:
                var bcrypt = BcryptHash.TryParse(hash, out var cost);
                error = bcrypt == ImportedHashCheck.AboveLimits
                    ? $"bcrypt cost {cost} above the import limit ({ImportedHashLimits.MaxBcryptCost})"
                    : "malformed bcrypt hash";
                return bcrypt;
            case ImportedHashFormat.Argon2:
                return Argon2Phc.TryParse(hash, out _, out error);
            case ImportedHashFormat.DjangoPbkdf2Sha256:
                var django = DjangoPbkdf2.TryParse(hash, out _, out _, out _);
                error = django == ImportedHashCheck.AboveLimits ? Pbkdf2AboveLimits : "malformed Django pbkdf2_sha256 hash";
                return django;
            default:
                var identity = AspNetIdentityHash.TryParse(hash, out _);
                error = identity == ImportedHashCheck.AboveLimits ? Pbkdf2AboveLimits : "malformed ASP.NET Core Identity hash";
                return identity;
        }
    }

    private static string Pbkdf2AboveLimits =>
        $"PBKDF2 cost above the import limit (iterations × output blocks ≤ {ImportedHashLimits.MaxPbkdf2Work})";

    /// <summary>
    /// Recognises <paramref name="hash"/> as one of <see cref="ImportedHashFormat"/> and checks its structure and cost;
    /// the verifier to store, or the reason it is refused.
    /// </summary>
    public static bool TryCreateVerifier(string? hash, out string verifier, out ImportedHashFormat format, out string? error)
    {
        verifier = "";
        format = default;
        hash = hash?.Trim();
        if (string.IsNullOrEmpty(hash))
        {
            error = "no password hash";
            return false;
        }

        if (hash.StartsWith("$2", StringComparison.Ordinal))
        {
            format = ImportedHashFormat.Bcrypt;
        }
        else if (hash.StartsWith("$argon2", StringComparison.Ordinal))
        {
            format = ImportedHashFormat.Argon2;
        }
        else if (hash.StartsWith("pbkdf2_sha256$", StringComparison.Ordinal))
        {
            format = ImportedHashFormat.DjangoPbkdf2Sha256;
        }
        else if (AspNetIdentityHash.TryParse(hash, out _) != ImportedHashCheck.Malformed)
        {
            format = ImportedHashFormat.AspNetIdentity;
        }
        else
        {
            error = "unknown password hash format (expected ASP.NET Core Identity, bcrypt, Argon2 or Django pbkdf2_sha256)";
            return false;
        }

        if (Check(format, hash, out var reason) != ImportedHashCheck.Valid)
        {
            error = reason;
            return false;
        }

        error = null;
        verifier = Prefix(format) + hash;
        return true;
    }

    /// <summary>
    /// The memory verifying a stored verifier takes, in KiB: an imported Argon2 hash's own (within the limits); null
    /// for every other verifier (Latchkey's own Argon2id, whose memory the hashing gate is sized by, and the foreign
    /// formats that need next to none).
    /// </summary>
    public static int? MemoryKiBOf(string verifier) =>
        FormatOf(verifier, out var original) == ImportedHashFormat.Argon2
        && Argon2Phc.TryParse(original.ToString(), out var p, out _) == ImportedHashCheck.Valid
            ? p.MemoryKiB
            : null;
}
