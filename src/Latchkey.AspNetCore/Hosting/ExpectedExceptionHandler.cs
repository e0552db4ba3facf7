using System.Globalization;
using Latchkey.AspNetCore.Endpoints;
using Latchkey.Core.Credentials;
using Latchkey.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// The exceptions that are not bugs, each answered as problem+json with its own status instead of 500: a request
/// the framework could not read (4xx), hashing at capacity (503 with the expected wait), a client whose failed
/// attempts are used up (429), and storage that cannot be reached (503: fail closed, and say so).
/// </summary>
internal sealed class ExpectedExceptionHandler(
    IProblemDetailsService problems, IStorageErrorClassifier errors, HashingRefusalLog refusals, ILogger<ExpectedExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Describe(exception) is not { } problem)
        {
            return false;
        }

        if (exception is HashingCapacityExceededException busy)
        {
            refusals.Record(busy.ExpectedWait);
        }
        else if (exception is not (BadHttpRequestException or HashingRefusedException))
        {
            // Note: storage failing is an error for operators even though the client gets a clean 503; EF's own
            // logging of it is lowered to Warning (a taken login is not an error). The type only: a provider's
            // message can quote the statement's parameters.
            logger.LogError("Storage unavailable, answered 503: {Error}", exception.GetType().Name);
        }

        context.Response.StatusCode = problem.Status;
        if (problem.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = problem.Status, Title = problem.Title, Detail = problem.Detail },
        });
    }

    // Note: only storage that cannot be reached is expected. Any other database error (a missing table, a broken
    // constraint, a unique violation no endpoint turned into its 409) is a bug: it is left to the framework's handler,
    // which logs it at Error with the exception and answers 500 problem+json, so it never hides as an outage.
    private ExpectedProblem? Describe(Exception exception) => exception switch
    {
        BadHttpRequestException bad => new(bad.StatusCode, "The request could not be read.", null, null),
        HashingCapacityExceededException busy => new(StatusCodes.Status503ServiceUnavailable, "Busy",
            "Too many logins are being processed. Try again after the Retry-After interval.", Seconds(busy.RetryAfter)),
        FailedAttemptsExhaustedException exhausted => new(StatusCodes.Status429TooManyRequests, Problems.FailuresFromClientTitle,
            Problems.FailuresFromClientDetail, Seconds(exhausted.RetryAfter)),
        _ when errors.Classify(exception) == StorageErrorKind.Unavailable => new(StatusCodes.Status503ServiceUnavailable, "Storage unavailable",
            "The request could not be completed. Try again shortly.", "5"),
        _ => null,
    };

    private static string Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private sealed record ExpectedProblem(int Status, string Title, string? Detail, string? RetryAfterSeconds);
}
