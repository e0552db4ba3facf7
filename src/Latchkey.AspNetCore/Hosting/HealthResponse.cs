using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Latchkey.AspNetCore.Hosting;

/// <summary><c>/healthz</c>: plain <c>Healthy</c> when storage answers, problem+json 503 (like every error) when not.</summary>
internal static class HealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Healthy)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("Healthy");
            return;
        }

        if (report.Status == HealthStatus.Degraded)
        {
            // Note: 200: the service answers and signs people in; what is missing (e-mail) is named.
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("Degraded: " + string.Join(" ", report.Entries.Values
                .Where(e => e.Status == HealthStatus.Degraded).Select(e => e.Description)));
            return;
        }

        // Note: the storage check's own words are not repeated: they would tell an anonymous caller more than "down".
        var storageDown = report.Entries.TryGetValue("storage", out var storage) && storage.Status == HealthStatus.Unhealthy;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = context.Response.StatusCode,
                Title = storageDown ? "Storage unavailable" : "Not ready",
                Detail = storageDown ? "The database does not answer." : string.Join(" ", report.Entries.Values
                    .Where(e => e.Status == HealthStatus.Unhealthy).Select(e => e.Description)),
            },
        });
    }
}
