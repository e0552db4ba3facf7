using System.Globalization;
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

    /// <summary>429 for a login in its delay after repeated failures, with the wait in <c>Retry-After</c>.</summary>
    public static ProblemHttpResult TooManyFailures(HttpResponse response, TimeSpan retryAfter)
    {
        SetRetryAfter(response, retryAfter);
        return Status(StatusCodes.Status429TooManyRequests, "Too many failed attempts",
            "This login is temporarily delayed after repeated failures. Try again after the Retry-After interval.");
    }

    /// <summary>429 for a client (address) that has used up its allowance of failed attempts, with the wait in <c>Retry-After</c>.</summary>
    public static ProblemHttpResult TooManyFailuresFromClient(HttpResponse response, TimeSpan retryAfter)
    {
        SetRetryAfter(response, retryAfter);
        return Status(StatusCodes.Status429TooManyRequests, FailuresFromClientTitle, FailuresFromClientDetail);
    }

    public const string FailuresFromClientTitle = "Too many failed attempts from this address";

    public const string FailuresFromClientDetail =
        "Too many failed password checks came from this network address. Try again after the Retry-After interval.";

    /// <summary><c>Retry-After</c> in whole seconds, rounded up and at least 1 (RFC 9110 §10.2.3).</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Secrets in a response must not be kept by any cache (OWASP ASVS V14 / RFC 9111 no-store).</summary>
    public static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
