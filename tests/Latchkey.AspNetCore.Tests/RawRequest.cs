using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// Requests built directly on the server's HttpContext: a chosen client address, and header values that
/// HttpClient would refuse to send (control characters, non-ASCII), as a hostile client can.
/// </summary>
internal static class RawRequest
{
    public static Task<HttpContext> SendAsync(
        LatchkeyTestHost host, string method, string path, string? body = null, IPAddress? client = null,
        IDictionary<string, string>? headers = null, string contentType = "application/json", string scheme = "http") =>
        host.App.GetTestServer().SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Scheme = scheme;
            context.Request.Path = path;
            context.Connection.RemoteIpAddress = client ?? IPAddress.Loopback;
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                context.Request.Headers[name] = value;
            }

            if (body is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Request.ContentType = contentType;
                context.Request.ContentLength = bytes.Length;
                context.Request.Body = new MemoryStream(bytes);
                context.Features.Set<IHttpRequestBodyDetectionFeature>(new HasBody());
            }
        });

    private sealed class HasBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    public static async Task<string> ReadBodyAsync(HttpContext context)
    {
        return await new StreamReader(context.Response.Body).ReadToEndAsync();
    }
}
