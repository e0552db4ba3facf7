using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>The browser's copy of an app session: the API key and its app id, in hardened cookies.</summary>
internal static class SessionCookies
{
    public static void Append(HttpContext context, string apiKey, string appId, DateTimeOffset expiresAt)
    {
        var (session, app, secure) = Names(context);
        var options = Options(secure, expiresAt);
        context.Response.Cookies.Append(session, apiKey, options);
        context.Response.Cookies.Append(app, appId, options);
    }

    /// <summary>Clears the cookies when the request that ends the session carried them.</summary>
    public static void Delete(HttpContext context)
    {
        var (session, app, secure) = Names(context);
        if (context.Request.Cookies.ContainsKey(session))
        {
            var options = Options(secure, null);
            context.Response.Cookies.Delete(session, options);
            context.Response.Cookies.Delete(app, options);
        }
    }

    /// <summary>
    /// <c>__Host-</c> names with <c>Secure</c>, except on plain-HTTP localhost in Development, where browsers would
    /// refuse them (DESIGN §2). Note: anywhere else plain HTTP still gets Secure cookies, which a browser then does
    /// not keep: a TLS-terminating proxy that is not a trusted proxy fails closed instead of leaking the key.
    /// </summary>
    public static (string Session, string App, bool Secure) Names(HttpContext context) => IsDevelopmentLocalhost(context)
        ? (LatchkeyDefaults.InsecureSessionCookie, LatchkeyDefaults.InsecureAppIdCookie, false)
        : (LatchkeyDefaults.SessionCookie, LatchkeyDefaults.AppIdCookie, true);

    private static bool IsDevelopmentLocalhost(HttpContext context) =>
        !context.Request.IsHttps
        && context.Request.Host.Host is "localhost" or "127.0.0.1" or "[::1]"
        && context.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment();

    private static CookieOptions Options(bool secure, DateTimeOffset? expiresAt) => new()
    {
        HttpOnly = true,
        Secure = secure,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        Expires = expiresAt,
        IsEssential = true,
    };
}
