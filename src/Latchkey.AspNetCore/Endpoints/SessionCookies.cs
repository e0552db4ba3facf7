using Microsoft.AspNetCore.Http;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The browser's copy of an app session: the API key and its app id, in hardened cookies.</summary>
internal static class SessionCookies
{
    public static void Append(HttpContext context, string apiKey, string appId, DateTimeOffset expiresAt)
    {
        var (session, app) = Names(context.Request);
        var options = Options(context.Request, expiresAt);
        context.Response.Cookies.Append(session, apiKey, options);
        context.Response.Cookies.Append(app, appId, options);
    }

    /// <summary>Clears the cookies when the request that ends the session carried them.</summary>
    public static void Delete(HttpContext context)
    {
        var (session, app) = Names(context.Request);
        if (context.Request.Cookies.ContainsKey(session))
        {
            var options = Options(context.Request, null);
            context.Response.Cookies.Delete(session, options);
            context.Response.Cookies.Delete(app, options);
        }
    }

    private static (string Session, string App) Names(HttpRequest request) => request.IsHttps
        ? (LatchkeyDefaults.SessionCookie, LatchkeyDefaults.AppIdCookie)
        : (LatchkeyDefaults.InsecureSessionCookie, LatchkeyDefaults.InsecureAppIdCookie);

    // Note: __Host- requires Secure, Path=/ and no Domain; on plain-HTTP development hosts the prefix and Secure are
    // dropped because browsers would refuse the cookie.
    private static CookieOptions Options(HttpRequest request, DateTimeOffset? expiresAt) => new()
    {
        HttpOnly = true,
        Secure = request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        Expires = expiresAt,
        IsEssential = true,
    };
}
