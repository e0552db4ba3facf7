using Microsoft.AspNetCore.Http;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>Headers every API response carries: nothing here is meant to be sniffed, framed or sent as a referrer.</summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }
}
