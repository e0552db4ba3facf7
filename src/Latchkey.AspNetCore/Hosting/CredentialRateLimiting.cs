using System.Globalization;
using System.Threading.RateLimiting;
using Latchkey.AspNetCore.Endpoints;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// The per-client limits on the endpoints that take a password. Per-login throttling (in Core) stops guessing at one
/// account; <see cref="FailedAttemptLimit"/> stops one client spraying guesses across many accounts, counting only
/// failures; ASP.NET Core's rate limiter is a much higher ceiling on all such requests, successful or not, so that
/// one client cannot take all of the hashing capacity. Clients are partitioned by <see cref="ClientPartition"/>.
/// </summary>
internal static class CredentialRateLimiting
{
    public const string Policy = "latchkey-credentials";

    /// <summary>Both per-client limits on an endpoint that takes a password.</summary>
    public static RouteHandlerBuilder RequireCredentialLimits(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireRateLimiting(Policy).AddEndpointFilter(RefuseExhaustedClientsAsync);

    /// <summary>
    /// A client whose failures are used up gets 429 on arrival, before any database work or hashing; the check is
    /// repeated once a hashing slot is held (see <c>PasswordService.ReserveAsync</c>).
    /// </summary>
    private static ValueTask<object?> RefuseExhaustedClientsAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        return context.RequestServices.GetRequiredService<FailedAttemptLimit>().IsExhausted(context, out var retryAfter)
            ? ValueTask.FromResult<object?>(Problems.TooManyFailuresFromClient(context.Response, retryAfter))
            : next(invocation);
    }

    /// <summary>
    /// Charges the caller's client one failure for an answer that tells as much as a failed login: a taken login's
    /// <c>409</c> on sign-up and user creation (else one address could test which logins exist at the ceiling's rate,
    /// outside its failure allowance), and a disabled user's right password (refused like a wrong one).
    /// </summary>
    public static void ChargeFailure(HttpContext context) =>
        context.RequestServices.GetRequiredService<IFailedAttemptLimit>().RecordFailure();

    public static IServiceCollection AddCredentialRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context =>
            {
                var network = context.RequestServices.GetRequiredService<IOptions<LatchkeyNetworkOptions>>().Value;
                return RateLimitPartition.GetSlidingWindowLimiter(ClientPartition.Of(context, network.IPv6PrefixLength), _ => new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = network.CredentialRequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    SegmentsPerWindow = 6,
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
                context.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = "Too many requests that take a password from this address. Try again later.",
                    },
                });
            };
        });
        return services;
    }
}
