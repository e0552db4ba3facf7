namespace Latchkey.AspNetCore;

/// <summary>Leaked-credential reports (<c>Latchkey:Leaks</c>, <c>POST /v1/leaks</c>).</summary>
public sealed class LatchkeyLeakOptions
{
    public const string Section = "Latchkey:Leaks";

    /// <summary>
    /// Whether reports that name no configured reporter (no <c>X-Latchkey-Reporter</c>) are taken. Defaults to true: a
    /// leaked token is dangerous whoever finds it, and a report can only end a credential, never grant anything.
    /// </summary>
    public bool AcceptUnsigned { get; set; } = true;

    /// <summary>
    /// Reporters by name (what they send in <c>X-Latchkey-Reporter</c>); a report naming one must carry its signature
    /// in <c>X-Latchkey-Signature</c>. Empty by default.
    /// </summary>
    public Dictionary<string, LatchkeyLeakReporter> Reporters { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>How one reporter signs its reports: exactly one of a shared secret or a public key.</summary>
public sealed class LatchkeyLeakReporter
{
    /// <summary>
    /// A shared secret (at least 32 characters): the signature is <c>sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.
    /// </summary>
    public string? HmacSecret { get; set; }

    /// <summary>
    /// An ECDSA public key (PEM, e.g. P-256): the signature is the base64 of an ASN.1 DER ECDSA signature over the
    /// body with SHA-256, as GitHub's secret scanning signs.
    /// </summary>
    public string? PublicKeyPem { get; set; }
}
