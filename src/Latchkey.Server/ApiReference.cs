using Scalar.AspNetCore;

namespace Latchkey.Server;

/// <summary>
/// The browsable API reference (<c>Latchkey:ApiReference</c>): Scalar's page at <c>/reference</c>, over the OpenAPI
/// document at <c>/openapi/v1.json</c> (which is served either way). Read at start-up.
/// </summary>
public sealed class LatchkeyApiReferenceOptions
{
    public const string Section = "Latchkey:ApiReference";

    /// <summary>
    /// Serve <c>/reference</c>. Defaults to true in the Development environment and false elsewhere: the page
    /// configures itself with inline script, which its policy must allow (<c>'unsafe-inline'</c>) on the API's own
    /// origin, where the web UI's sessions live.
    /// </summary>
    public bool? Enabled { get; set; }
}

internal static class ApiReference
{
    public const string Path = "/reference";

    public static void MapLatchkeyApiReference(this WebApplication app)
    {
        var options = app.Configuration.GetSection(LatchkeyApiReferenceOptions.Section).Get<LatchkeyApiReferenceOptions>();
        if (!(options?.Enabled ?? app.Environment.IsDevelopment()))
        {
            return;
        }

        // Note: Scalar writes its configuration as an inline script and offers no nonce or hash for it, so only this
        // page gets a policy that allows inline script; every other page keeps the strict one.
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), reference => reference.Use((context, next) =>
        {
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                + "font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";
            return next(context);
        }));

        // Note: everything from this origin, nothing from Scalar's servers: the page must work offline and load fast (its
        // script is the package's own bundle, served here), and its policy allows this origin only. So no web fonts,
        // no telemetry, no AI agent or MCP, and none of the buttons that lead to Scalar's hosted cloud (the client
        // button opens their app; the developer tools offer their deploy and sharing).
        app.MapScalarApiReference(Path, o => o
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .HideClientButton()
                .HideDeveloperTools())
            .AllowAnonymous();
    }
}
