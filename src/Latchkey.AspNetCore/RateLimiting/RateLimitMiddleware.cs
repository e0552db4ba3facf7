using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Core.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.RateLimiting;

/// <summary>
/// Enforces <c>RequireRateLimit</c> after authentication (ASP.NET Core's own rate limiter runs before it, when the
/// credential is not yet known), and announces the limit on every answer with the headers of
/// draft-ietf-httpapi-ratelimit-headers: <c>RateLimit-Policy: "default";q=1000;w=60</c> and
/// <c>RateLimit: "default";r=12;t=30</c>.
/// </summary>
internal sealed class RateLimitMiddleware(
    RequestDelegate next, CredentialRateLimiter limiter, MachineUserLimits machineLimits, IOptionsMonitor<LatchkeyRateLimitOptions> options,
    IOptions<LatchkeyNetworkOptions> network, IProblemDetailsService problems, ILogger<RateLimitMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RateLimitMetadata>() is not { } limit)
        {
            await next(context);
            return;
        }

        var (name, counter, permits, window) = (limit.PolicyName ?? RateLimitMetadata.InlinePolicyName, "", limit.Permits, (int)limit.Window.TotalSeconds);
        if (limit.PolicyName is { } policyName)
        {
            if (!options.CurrentValue.Policies.TryGetValue(policyName, out var policy) || policy.Permits < 1
                || policy.Window < TimeSpan.FromSeconds(1) || policy.Window > TimeSpan.FromDays(1))
            {
                // Note: a missing policy is the host's configuration error; refusing (503) keeps the endpoint limited
                // rather than open, and never a 500.
                Log.RateLimitPolicyMissing(logger, policyName);
                await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Rate limit not configured",
                    "This endpoint names a rate-limit policy that the server does not define.");
                return;
            }

            (counter, permits, window) = ("p:" + policyName, policy.Permits, (int)policy.Window.TotalSeconds);
        }
        else
        {
            counter = "e:" + Shorten((endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint.DisplayName ?? "");
        }

        var (credential, machineUser) = Credential(context);
        if (machineUser is { } id && await machineLimits.FindAsync(id, context.RequestAborted) is { } own)
        {
            (permits, window) = own;
        }

        var decision = await limiter.AcquireAsync($"{credential}|{counter}|{window}", permits, window);
        var reset = Math.Max(1, (long)Math.Ceiling(decision.Reset.TotalSeconds));
        context.Response.Headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={permits};w={window}");
        context.Response.Headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture,
            $"\"{name}\";r={Math.Min(decision.Remaining, permits)};t={reset}");
        if (!decision.Allowed)
        {
            context.Response.Headers.RetryAfter = reset.ToString(CultureInfo.InvariantCulture);
            await WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
                "This credential has used its requests to this API for now. Try again after the Retry-After interval.");
            return;
        }

        await next(context);
    }

    /// <summary>
    /// What the count is kept per: the app session, or the machine user (all its tokens alike, so rotating does not
    /// reset it); another scheme's principal by its session or subject claim; an anonymous caller by its address.
    /// </summary>
    private (string Credential, Guid? MachineUser) Credential(HttpContext context)
    {
        if (CallerPrincipal.AuthenticatedByLatchkey(context) is { } caller)
        {
            return caller.SessionId is not null ? ("s:" + caller.SessionIdText, null)
                : caller.Kind == UserKind.Machine ? ("m:" + caller.UserIdText, caller.UserId)
                : ("u:" + caller.UserIdText, null);
        }

        if (context.User.Identity?.IsAuthenticated == true)
        {
            if (context.User.FindFirstValue(LatchkeyClaimTypes.SessionId) is { Length: > 0 } sid)
            {
                return ("s:" + Shorten(sid), null);
            }

            if (context.User.FindFirstValue(LatchkeyClaimTypes.UserId) is { Length: > 0 } sub)
            {
                return ("u:" + Shorten(sub), null);
            }
        }

        return ("c:" + ClientPartition.Of(context, network.Value.IPv6PrefixLength), null);
    }

    // Note: keeps the counter's key within its column whatever a route or a foreign claim holds.
    private static string Shorten(string text) => text.Length <= 64
        ? text
        : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 16);

    private async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
