using Microsoft.AspNetCore.Http;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Headers every response carries: nothing here is meant to be sniffed, framed or sent as a referrer, and a page may
/// run only script and styles from this origin.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    /// <summary>
    /// Only this origin's own script, styles, images and API: no inline script or style (so an injected
    /// <c>&lt;script&gt;</c> or <c>onclick</c> does not run), no third-party origin, no framing, forms post here only.
    /// A host may set a looser policy for one of its own paths after <c>UseLatchkey()</c>.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }
}
