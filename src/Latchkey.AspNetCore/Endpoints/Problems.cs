using Latchkey.Core.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>The problem+json (RFC 9457) shapes the endpoints answer with.</summary>
internal static class Problems
{
    public static ValidationProblem Invalid(InputError error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [error.Field] = [error.Message] });

    public static ProblemHttpResult Status(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>Secrets in a response must not be kept by any cache (OWASP ASVS V14 / RFC 9111 no-store).</summary>
    public static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
