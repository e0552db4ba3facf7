using Microsoft.AspNetCore.Builder;

namespace Latchkey.AspNetCore.RateLimiting;

/// <summary>
/// Per-credential rate limits for the APIs Latchkey protects: <c>app.MapGet(...).RequireRateLimit(1000, TimeSpan.FromMinutes(1))</c>.
/// </summary>
public static class LatchkeyRateLimitExtensions
{
    /// <summary>
    /// Allows each credential (an app session, or a machine user) <paramref name="permits"/> requests to these endpoints
    /// in each fixed <paramref name="window"/>; anonymous callers are counted by address. Further requests get <c>429</c>
    /// problem+json with <c>Retry-After</c>; every answer carries the <c>RateLimit-Policy</c> and <c>RateLimit</c>
    /// headers (draft-ietf-httpapi-ratelimit-headers). On PostgreSQL the count holds across every instance. A machine
    /// user's own limit (<c>PUT /v1/machine-users/{id}/rate-limit</c>) replaces these numbers for it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Permits below 1, or a window outside 1 second to 1 day.</exception>
    public static TBuilder RequireRateLimit<TBuilder>(this TBuilder builder, int permits, TimeSpan window)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckLimit(permits, window);
        return builder.WithMetadata(new RateLimitMetadata(null, permits, window));
    }

    /// <summary>
    /// As <see cref="RequireRateLimit{TBuilder}(TBuilder, int, TimeSpan)"/> with the numbers of the policy
    /// <paramref name="policyName"/> (<c>Latchkey:RateLimits:Policies:{name}</c> or <see cref="AddLatchkeyRateLimitPolicy"/>):
    /// every endpoint that names one policy draws on one count per credential.
    /// </summary>
    public static TBuilder RequireRateLimit<TBuilder>(this TBuilder builder, string policyName)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckName(policyName);
        return builder.WithMetadata(new RateLimitMetadata(policyName, 0, TimeSpan.Zero));
    }

    /// <summary>Adds (or replaces) the named policy <paramref name="policyName"/> for <c>RequireRateLimit(name)</c>.</summary>
    public static Microsoft.Extensions.DependencyInjection.IServiceCollection AddLatchkeyRateLimitPolicy(
        this Microsoft.Extensions.DependencyInjection.IServiceCollection services, string policyName, int permits, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(services);
        CheckName(policyName);
        CheckLimit(permits, window);
        Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.Configure<LatchkeyRateLimitOptions>(services,
            o => o.Policies[policyName] = new LatchkeyRateLimitPolicy { Permits = permits, Window = window });
        return services;
    }

    internal static void CheckLimit(int permits, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        if (window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(1) || window.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be whole seconds, from 1 second to 1 day.");
        }
    }

    // Note: the name is sent in the RateLimit headers as a structured-field string and becomes part of a database key:
    // a short token of safe characters cannot break (or inject into) either.
    internal static void CheckName(string policyName)
    {
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        if (policyName.Length > 64 || !policyName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{policyName}' is not a policy name: use up to 64 letters, digits, '-', '_' or '.'.", nameof(policyName));
        }
    }
}
