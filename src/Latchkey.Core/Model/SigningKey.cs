namespace Latchkey.Core.Model;

/// <summary>
/// A key that signs the JWTs of <c>POST /v1/token</c> (table <c>signing_keys</c>). Keys follow each other by
/// <see cref="Generation"/>: generation n+1 is created (and published in the JWKS) as soon as n starts signing, one key
/// lifetime before it takes over, and n stays published one token lifetime after it stopped signing.
/// </summary>
internal sealed class SigningKey
{
    public Guid Id { get; set; }

    /// <summary>The JWKS <c>kid</c>: random, unique, and says nothing about the key.</summary>
    public required string Kid { get; set; }

    /// <summary>
    /// The key's place in the succession; unique. Note: two instances that create the same successor at once both
    /// insert this generation, and the unique index lets exactly one of them win.
    /// </summary>
    public long Generation { get; set; }

    /// <summary>The JOSE algorithm (<c>ES256</c>).</summary>
    public required string Algorithm { get; set; }

    /// <summary>The public key, as an X.509 SubjectPublicKeyInfo (DER).</summary>
    public required byte[] PublicKey { get; set; }

    /// <summary>
    /// The private key (PKCS#8), encrypted with ASP.NET Core Data Protection: a copy of the database alone signs nothing.
    /// </summary>
    public required byte[] ProtectedPrivateKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>From here on the key signs (unless a later generation is active too).</summary>
    public DateTimeOffset ActivatesAt { get; set; }

    /// <summary>From here on the key signs nothing; it stays published one token lifetime more.</summary>
    public DateTimeOffset RetiresAt { get; set; }
}
