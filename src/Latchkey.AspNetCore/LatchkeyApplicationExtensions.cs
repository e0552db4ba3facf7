using Latchkey.AspNetCore.Endpoints;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore;

/// <summary>Maps Latchkey's HTTP API and prepares its database.</summary>
public static class LatchkeyApplicationExtensions
{
    /// <summary>
    /// Adds the middleware Latchkey's API relies on, in order: forwarded headers (from trusted proxies only),
    /// problem+json for exceptions and bare status codes, security headers (and HSTS over HTTPS), the rate limiter,
    /// authentication, authorization and the per-credential rate limits (<c>RequireRateLimit</c>). Call it before mapping endpoints (and after <c>UseRouting()</c> when the app
    /// calls that itself: the charset guard looks at the matched endpoint).
    /// </summary>
    public static IApplicationBuilder UseLatchkey(this IApplicationBuilder app)
    {
        // Note: without a trusted proxy the middleware would read the headers of every request only to ignore them.
        if (app.ApplicationServices.GetRequiredService<IOptions<LatchkeyNetworkOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<JsonCharsetGuard>();
        app.UseHsts();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        // Note: after authorization: the count is per credential, and a request refused anyway takes no permit.
        app.UseMiddleware<RateLimiting.RateLimitMiddleware>();
        return app;
    }

    /// <summary>
    /// Maps the v1 API under <c>/v1</c>, the JWKS and RFC 8414 metadata under <c>/.well-known/</c>, and the health endpoints: <c>/healthz/live</c> (the process serves),
    /// <c>/healthz/ready</c> (the database answers, its schema is current, the credential change feed is current, and
    /// the instance is not shutting down) and <c>/healthz</c> (the database answers; e-mail's state), as before.
    /// </summary>
    public static IEndpointConventionBuilder MapLatchkeyApi(this IEndpointRouteBuilder endpoints)
    {
        var v1 = endpoints.MapGroup("/v1").WithTags("Latchkey").WithMetadata(LatchkeyApiEndpoint.Instance);
        ProblemResponses.Declare(v1);
        AccountEndpoints.Map(v1);
        SessionEndpoints.Map(v1);
        MachineUserEndpoints.Map(v1);
        UserEndpoints.Map(v1);
        TenantEndpoints.Map(v1);
        TenantPolicyEndpoints.Map(v1);
        AuditEndpoints.Map(v1);
        EmailEndpoints.Map(v1);
        MfaEndpoints.Map(v1);
        PasskeyEndpoints.Map(v1);
        InvitationEndpoints.Map(v1);
        LeakEndpoints.Map(v1);
        IntrospectionEndpoints.Map(v1);
        JwtEndpoints.Map(v1);
        JwtEndpoints.MapWellKnown(endpoints);
        // Note: /healthz keeps its meaning (the database answers) for the monitors written against it; the readiness
        // check would make it fail during start-up and shutdown, which is what /healthz/ready is for.
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => check.Name != ReadinessHealthCheck.Name,
            ResponseWriter = HealthResponse.WriteAsync,
        }).AllowAnonymous();
        endpoints.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        endpoints.MapHealthChecks("/healthz/ready", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        return v1;
    }

    /// <summary>
    /// Applies pending migrations to Latchkey's database (creating a SQLite file on first run) and returns their names,
    /// oldest first (none when it was up to date).
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateLatchkeyDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
    }

    /// <summary>One line saying which migrations <see cref="MigrateLatchkeyDatabaseAsync"/> applied, or that none was due.</summary>
    public static string DescribeMigrations(IReadOnlyList<string> applied) => DatabaseMigrator.Describe(applied);
}
