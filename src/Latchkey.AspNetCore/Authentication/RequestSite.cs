using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>Where a browser says a request comes from, and whether it is a page navigation.</summary>
internal static class RequestSite
{
    /// <summary>
    /// True when the browser says the request comes from this origin: Fetch Metadata first, then Origin (OWASP CSRF
    /// cheat sheet). <c>same-site</c> is not enough: a sibling subdomain or another port shares the site and its
    /// <c>SameSite=Lax</c> cookies.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"];
        if (fetchSite.Count == 1)
        {
            return fetchSite[0] is "same-origin" or "none";
        }

        var origin = request.Headers.Origin;
        return origin.Count == 1 &&
            string.Equals(origin[0], $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when a browser marks the request as coming from another origin. A client that sends neither
    /// <c>Sec-Fetch-Site</c> nor <c>Origin</c> (curl, an SDK) is no browser, so there is no victim's cookie jar to abuse.
    /// </summary>
    public static bool IsCrossOriginBrowserRequest(HttpRequest request) =>
        (request.Headers.ContainsKey("Sec-Fetch-Site") || request.Headers.ContainsKey(HeaderNames.Origin)) && !IsSameOrigin(request);

    /// <summary>
    /// True for a top-level page load (a person following a link or typing the address), which is better answered
    /// with a page than with problem+json; API calls from script (<c>fetch</c>) are never navigations.
    /// </summary>
    public static bool IsPageNavigation(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        var mode = request.Headers["Sec-Fetch-Mode"];
        if (mode.Count == 1)
        {
            return mode[0] == "navigate";
        }

        // Note: older browsers send no Fetch Metadata; they still ask for HTML first when loading a page.
        return request.Headers.Accept.ToString().StartsWith("text/html", StringComparison.OrdinalIgnoreCase);
    }
}
