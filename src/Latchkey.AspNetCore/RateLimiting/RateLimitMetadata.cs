namespace Latchkey.AspNetCore.RateLimiting;

/// <summary>
/// What <c>RequireRateLimit</c> put on an endpoint: either inline permits and window (counted per endpoint, announced
/// as the policy <c>"default"</c>), or the name of a configured policy (counted across every endpoint that names it).
/// </summary>
internal sealed record RateLimitMetadata(string? PolicyName, int Permits, TimeSpan Window)
{
    public const string InlinePolicyName = "default";
}
