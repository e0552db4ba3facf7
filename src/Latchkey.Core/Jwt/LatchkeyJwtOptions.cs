namespace Latchkey.Core.Jwt;

/// <summary>Short-lived signed JWTs (<c>POST /v1/token</c>) and their keys, bound from <c>Latchkey:Jwt</c>.</summary>
public sealed class LatchkeyJwtOptions
{
    public const string Section = "Latchkey:Jwt";

    /// <summary>
    /// The longest a JWT lives (never past the credential it was exchanged for). A JWT cannot be revoked: a revocation
    /// reaches resource servers that verify locally only when their tokens expire, so keep this short. Defaults to
    /// 5 minutes; at most 1 hour.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long each signing key signs. A key is published one lifetime before it signs and stays published one token
    /// lifetime after; keys are created and rotated automatically. Defaults to 30 days.
    /// </summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The audiences a caller may ask a JWT for (<c>{"aud": "..."}</c>); any other is refused (400). Empty by default:
    /// JWTs then carry no <c>aud</c>.
    /// </summary>
    public List<string> Audiences { get; set; } = [];
}
