using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1). Any other declared charset is refused with 415
/// before model binding, which would otherwise throw on charsets .NET no longer supports (such as UTF-7). Only on
/// Latchkey's own endpoints: the host application's forms and texts in other charsets are its own business.
/// </summary>
internal sealed class JsonCharsetGuard(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<LatchkeyApiEndpoint>() is not null
            && MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.Charset.HasValue
            && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "Unsupported charset",
                    Detail = "Send JSON as UTF-8.",
                },
            });
            return;
        }

        await next(context);
    }
}

/// <summary>Marks the endpoints <c>MapLatchkeyApi()</c> maps, so that middleware meant for them leaves others alone.</summary>
internal sealed class LatchkeyApiEndpoint
{
    public static readonly LatchkeyApiEndpoint Instance = new();
}
