namespace Latchkey.AspNetCore;

/// <summary>Names integrators and clients rely on.</summary>
public static class LatchkeyDefaults
{
    /// <summary>The authentication scheme that accepts API keys, machine tokens and session cookies.</summary>
    public const string AuthenticationScheme = "Latchkey";

    /// <summary>
    /// The scheme <c>AddLatchkeyJwtBearer</c> adds: ASP.NET Core's JwtBearer handler configured for Latchkey's JWTs.
    /// </summary>
    public const string JwtBearerScheme = "LatchkeyJwt";

    /// <summary>The header that carries the app instance's id next to its API key.</summary>
    public const string AppIdHeader = "X-App-Id";

    /// <summary>The session cookie over HTTPS (RFC 6265bis <c>__Host-</c> prefix: Secure, Path=/, no Domain).</summary>
    public const string SessionCookie = "__Host-latchkey";

    /// <summary>The app-id cookie over HTTPS.</summary>
    public const string AppIdCookie = "__Host-latchkey-app";

    /// <summary>The session cookie on plain-HTTP development hosts, where browsers refuse <c>__Host-</c> cookies.</summary>
    public const string InsecureSessionCookie = "latchkey";

    /// <summary>The app-id cookie on plain-HTTP development hosts.</summary>
    public const string InsecureAppIdCookie = "latchkey-app";

    /// <summary>Policy: a human user (app session or browser), not a machine token.</summary>
    public const string HumanPolicy = "latchkey:human";

    /// <summary>Policy: a human owner or admin of the caller's tenant.</summary>
    public const string TenantAdminPolicy = "latchkey:tenant-admin";

    /// <summary>Policy: a human owner of the caller's tenant.</summary>
    public const string TenantOwnerPolicy = "latchkey:tenant-owner";

    /// <summary>
    /// The <c>System.Diagnostics.Metrics</c> meter of Latchkey's instruments (docs/operations.md lists them). The
    /// library exports nothing itself: add this meter to the application's exporter, e.g. OpenTelemetry's
    /// <c>AddMeter(LatchkeyDefaults.MeterName)</c>.
    /// </summary>
    public const string MeterName = Core.Diagnostics.LatchkeyMetrics.MeterName;
}
