namespace Latchkey.Core.Credentials.Imported;

/// <summary>The password hash formats of other systems that an import may bring in.</summary>
internal enum ImportedHashFormat
{
    /// <summary>ASP.NET Core Identity's <c>PasswordHash</c>, base64 of format marker 0x00 (V2) or 0x01 (V3).</summary>
    AspNetIdentity,

    /// <summary>bcrypt: <c>$2a$</c>, <c>$2b$</c> or <c>$2y$</c>.</summary>
    Bcrypt,

    /// <summary>An Argon2 PHC string (<c>$argon2id$</c>, <c>$argon2i$</c>, <c>$argon2d$</c>), any parallelism.</summary>
    Argon2,

    /// <summary>Django's <c>pbkdf2_sha256$iterations$salt$hash</c>.</summary>
    DjangoPbkdf2Sha256,
}

/// <summary>What a look at a foreign hash found: usable, not a hash of its format, or one whose cost is above the caps.</summary>
internal enum ImportedHashCheck
{
    Valid,
    Malformed,
    AboveLimits,
}
