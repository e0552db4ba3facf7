using System.Collections.Concurrent;
using Latchkey.AspNetCore;
using Latchkey.AspNetCore.Authentication;
using Microsoft.Extensions.FileProviders;

namespace Latchkey.Server;

/// <summary>
/// The web UI: static pages over the v1 API. Each page is a fragment of <c>Pages/</c> put into one layout; its script
/// is a module in <c>wwwroot/js/</c>. Pages that show a person's data need a session, and a browser that has none is
/// redirected to <c>/login</c> by the authentication handler; the data itself comes from the API, which checks again.
/// </summary>
internal static class WebUi
{
    /// <summary>
    /// Path, fragment, title, the policy the page needs (null: anyone), and whether it shows the signed-in menu.
    /// </summary>
    private static readonly (string Path, string Fragment, string Title, string? Policy, bool Menu)[] Pages =
    [
        ("/login", "login", "Sign in", null, false),
        ("/signup", "signup", "Create an account", null, false),
        // Note: the menu stays: a member sent here keeps their own pages and a way to sign out.
        ("/forbidden", "forbidden", "Not allowed", null, true),
        ("/forgot-password", "forgot-password", "Forgot password", null, false),
        ("/reset-password", "reset-password", "Choose a new password", null, false),
        ("/verify-email", "verify-email", "Verify e-mail address", null, false),
        ("/accept-invitation", "accept-invitation", "Accept invitation", null, false),
        // Note: no policy on the page itself: a session the tenant's MFA policy confines to enrolment is refused by
        // every authorized endpoint but enrolment, and this page is where it enrols. Its script sends a browser
        // without a session to sign in (the first API call answers 401), and the API checks every call.
        ("/account", "account", "Account", null, true),
        ("/devices", "devices", "Your devices", LatchkeyDefaults.HumanPolicy, true),
        ("/password", "password", "Change password", LatchkeyDefaults.HumanPolicy, true),
        ("/users", "users", "Users", LatchkeyDefaults.TenantAdminPolicy, true),
        ("/machine-users", "machine-users", "Machine users", LatchkeyDefaults.TenantAdminPolicy, true),
        ("/tenant", "tenant", "Organisation", LatchkeyDefaults.TenantAdminPolicy, true),
        ("/audit", "audit", "Audit log", LatchkeyDefaults.TenantAdminPolicy, true),
    ];

    public static void AddWebUi(this IServiceCollection services) =>
        services.Configure<LatchkeyAuthenticationOptions>(LatchkeyDefaults.AuthenticationScheme, options =>
        {
            options.LoginPath = "/login";
            options.AccessDeniedPath = "/forbidden";
            // Note: a person whose first password an admin set is sent to choose their own from every page.
            options.PasswordChangePath = "/password";
        });

    public static void MapWebUi(this WebApplication app)
    {
        var files = app.Environment.ContentRootFileProvider;
        var cache = new ConcurrentDictionary<string, string>();
        foreach (var (path, fragment, title, policy, menu) in Pages)
        {
            var page = app.MapGet(path, IResult (HttpContext context) =>
                    path == "/login" && DropForeignReturnUrl(context.Request) is { } clean
                        ? TypedResults.Redirect(clean)
                        : TypedResults.Content(cache.GetOrAdd(fragment, _ => Compose(files, fragment, title, menu)), "text/html; charset=utf-8"))
                .ExcludeFromDescription();
            if (policy is null)
            {
                page.AllowAnonymous();
            }
            else
            {
                page.RequireAuthorization(policy);
            }
        }

        // Note: the entry point sends a person with a live session to their devices and anyone else to sign in.
        app.MapGet("/", (HttpContext context) => TypedResults.Redirect(
                context.User.Identity?.IsAuthenticated == true && context.User.HasClaim(LatchkeyClaimTypes.Kind, "human") ? "/devices" : "/login"))
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>
    /// No raw JSON in a browser: a page navigation (<c>Accept: text/html</c>) to an address nothing serves gets a 404
    /// page in the layout, and a form posted without the page's script (to the page's own address, which takes no POST)
    /// gets a page saying what happened, instead of the API's problem+json. Call it after the static files, so that
    /// what they serve is never matched here. Note: the posted form is never read: it may hold a password.
    /// </summary>
    public static void UseWebUiFallbacks(this WebApplication app)
    {
        var files = app.Environment.ContentRootFileProvider;
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            var endpoint = context.GetEndpoint();
            var signedIn = context.User.Identity?.IsAuthenticated == true && context.User.HasClaim(LatchkeyClaimTypes.Kind, "human");
            if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && endpoint is null)
            {
                await WritePageAsync(context, StatusCodes.Status404NotFound,
                    Compose(files, "not-found", "Page not found", signedIn));
                return;
            }

            if (HttpMethods.IsPost(request.Method) && request.HasFormContentType && !request.Path.StartsWithSegments("/v1")
                && endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Contains("POST") != true)
            {
                var back = System.Net.WebUtility.HtmlEncode(request.PathBase + request.Path);
                await WritePageAsync(context, StatusCodes.Status400BadRequest,
                    Compose(files, "needs-script", "This page needs JavaScript", signedIn).Replace("{{path}}", back, StringComparison.Ordinal));
                return;
            }

            await next(context);
        });
    }

    private static Task WritePageAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(html);
    }

    /// <summary>
    /// The login page's own address without its <c>returnUrl</c> when that is not a local path; null when it is fine.
    /// Note: the page's script checks again before following it; this keeps a crafted link from even reaching it.
    /// </summary>
    private static string? DropForeignReturnUrl(HttpRequest request)
    {
        var returnUrls = request.Query["returnUrl"];
        if (returnUrls.Count == 0 || (returnUrls.Count == 1 && IsLocalPath(returnUrls[0])))
        {
            return null;
        }

        var kept = request.Query.Where(p => p.Key != "returnUrl").SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v)));
        return request.PathBase + request.Path + QueryString.Create(kept);
    }

    /// <summary>
    /// A path on this site: a leading slash not followed by another, no backslash anywhere and no control character.
    /// Note: browsers strip TAB, CR and LF from URLs and read <c>\</c> as <c>/</c>, so <c>/\t/host</c> and <c>/\host</c>
    /// are both <c>//host</c>, another site.
    /// </summary>
    internal static bool IsLocalPath(string? url) =>
        url is ['/', ..] && (url.Length == 1 || url[1] != '/') && !url.Contains('\\') && !url.Any(char.IsControl);

    private static string Compose(IFileProvider files, string fragment, string title, bool signedIn)
    {
        var layout = Read(files, "Pages/_layout.html");
        return layout
            .Replace("{{title}}", title, StringComparison.Ordinal)
            .Replace("{{menu}}", signedIn ? Read(files, "Pages/_menu.html") : "", StringComparison.Ordinal)
            .Replace("{{main}}", Read(files, $"Pages/{fragment}.html"), StringComparison.Ordinal)
            .Replace("{{script}}", fragment, StringComparison.Ordinal);
    }

    private static string Read(IFileProvider files, string path)
    {
        var file = files.GetFileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"The web UI's {path} is missing from the content root.", path);
        }

        using var reader = new StreamReader(file.CreateReadStream());
        return reader.ReadToEnd();
    }
}
