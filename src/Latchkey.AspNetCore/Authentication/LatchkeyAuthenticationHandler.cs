using System.Text.Encodings.Web;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>
/// Accepts an app session (<c>Authorization: Bearer</c> API key plus <c>X-App-Id</c>), a machine token
/// (<c>Authorization: Bearer</c>), or the browser's session cookies, and answers challenges per RFC 6750.
/// </summary>
internal sealed class LatchkeyAuthenticationHandler(
    IOptionsMonitor<LatchkeyAuthenticationOptions> options,
    QuietRefusalLoggerFactory logger,
    UrlEncoder encoder,
    IProblemDetailsService problems,
    CredentialValidator validator,
    IStorageErrorClassifier errors,
    LatchkeyMetrics metrics,
    CredentialRefusalLog refusals)
    : AuthenticationHandler<LatchkeyAuthenticationOptions>(options, logger, encoder)
{
    private CredentialFailure _failure;
    private CredentialEndReason _reason;
    private bool _storageDown;
    private bool _crossSite;
    private bool _fromCookie;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryReadCredential(out var token, out var appId, out var fromCookie))
        {
            return AuthenticateResult.NoResult();
        }

        _fromCookie = fromCookie;
        if (token.IsEmpty)
        {
            return Fail(CredentialFailure.Malformed);
        }

        // Note: cookies ride along on cross-site requests; a state-changing request authenticated by cookie must
        // come from our own origin (OWASP CSRF cheat sheet: Fetch Metadata, then Origin).
        if (fromCookie && !HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method)
            && !HttpMethods.IsOptions(Request.Method) && !RequestSite.IsSameOrigin(Request))
        {
            _crossSite = true;
            return AuthenticateResult.Fail("cross-site request with session cookie");
        }

        CredentialCheck check;
        var started = metrics.StartAuthentication();
        try
        {
            var pending = validator.ValidateAsync(token.Span, appId, Context.RequestAborted);
            check = pending.IsCompletedSuccessfully ? pending.Result : await pending;
        }
        catch (Exception e) when (errors.Classify(e) == StorageErrorKind.Unavailable)
        {
            // Note: fail closed. Without storage a revocation could not be seen, so nothing is granted.
            _storageDown = true;
            metrics.Authenticated(LatchkeyMetrics.AuthenticationOutcomes.Unavailable);
            Logger.LogWarning(e, "Storage unavailable while authenticating a request");
            return AuthenticateResult.Fail("storage unavailable");
        }

        metrics.Authenticated(LatchkeyMetrics.AuthenticationOutcomes.Of(check.Failure));
        metrics.RecordAuthentication(started, check.Cached ? LatchkeyMetrics.CacheLookups.Hit
            : validator.AsksCache ? LatchkeyMetrics.CacheLookups.Miss : LatchkeyMetrics.CacheLookups.None);
        if (check.Caller is null)
        {
            // Note: the refusal path only (a success never reads a tombstone); a storage failure here costs the reason,
            // not the refusal.
            try
            {
                var explained = validator.ExplainAsync(token, appId, check.Failure, Context.RequestServices, Context.RequestAborted);
                _reason = explained.IsCompletedSuccessfully ? explained.Result : await explained;
            }
            catch (Exception e) when (errors.Classify(e) == StorageErrorKind.Unavailable)
            {
                Logger.LogWarning(e, "Storage unavailable while explaining a refused credential");
            }

            return Fail(check.Failure);
        }

        // Note: from here on this request's queries see the caller's tenant only (storage's tenant query filter).
        Context.RequestServices.GetRequiredService<TenantContext>().Enter(check.Caller.TenantId);

        // Note: whatever an authenticated request answers is someone's own data; no shared or browser cache may keep
        // it (OWASP ASVS 14.3.2). An endpoint that knows better can still set its own Cache-Control.
        Response.Headers.CacheControl = "no-store";
        if (check.SunsetAt is { } sunset)
        {
            // Note: a machine user's previous token in its grace period works, and says so, so that callers can alert:
            // RFC 9745's Deprecation (a structured date: when it was replaced) and RFC 8594's Sunset (when it stops).
            Response.Headers["Deprecation"] = "@" + check.DeprecatedSince.GetValueOrDefault().ToUnixTimeSeconds();
            Response.Headers["Sunset"] = sunset.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(CallerPrincipal.ToPrincipal(check.Caller, Scheme.Name), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_storageDown)
        {
            await WriteProblemAsync(StatusCodes.Status503ServiceUnavailable, "Storage unavailable",
                "Credentials cannot be checked right now. Try again shortly.");
            return;
        }

        if (_crossSite)
        {
            await WriteProblemAsync(StatusCodes.Status403Forbidden, "Cross-site request refused",
                "A state-changing request authenticated by cookie must come from this site.");
            return;
        }

        if (Options.LoginPath is { } loginPath && RequestSite.IsPageNavigation(Request))
        {
            // Note: a person who opens a page without a live session is shown the login page, and a cookie that no
            // longer works (revoked, expired, planted) is cleared on the way. Script calls keep their 401 below.
            if (_fromCookie)
            {
                SessionCookies.Delete(Context);
            }

            Response.Headers.CacheControl = "no-store";
            var query = QueryString.Create("returnUrl", Request.PathBase + Request.Path + Request.QueryString);
            if (_reason.ToWire() is { } ended)
            {
                // Note: the sign-in page says why the session ended ("because your password was changed").
                query = query.Add("reason", ended);
            }

            Response.Redirect(loginPath + query);
            return;
        }

        // Note: RFC 6750 §3: error="invalid_token" only when a credential was presented. Why it was refused stays
        // server-side, except for a credential that once worked: its holder is told why it ended (RFC 6750's
        // error_description and the problem's "reason"); a guessed or malformed one hears nothing more.
        var reason = _reason.ToWire();
        Response.Headers.WWWAuthenticate = _failure == CredentialFailure.None ? "Bearer"
            : reason is null ? "Bearer error=\"invalid_token\""
            : "Bearer error=\"invalid_token\", error_description=\"" + reason + "\"";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            _failure == CredentialFailure.None
                ? "This endpoint needs an API key with its X-App-Id, a machine token, or a session cookie."
                : reason is null ? "The credential is invalid, expired or revoked."
                : ReasonDetail(_reason),
            reason);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (Options.AccessDeniedPath is { } deniedPath && RequestSite.IsPageNavigation(Request))
        {
            Response.Redirect(deniedPath);
            return Task.CompletedTask;
        }

        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "The caller may not do this.");
    }

    /// <summary>
    /// The presented credential, as a slice of the header or cookie it came in (no copy: this runs on every request);
    /// empty when one was presented but is blank.
    /// </summary>
    private bool TryReadCredential(out ReadOnlyMemory<char> token, out string? appId, out bool fromCookie)
    {
        token = default;
        appId = null;
        fromCookie = false;
        var authorization = Request.Headers.Authorization;
        if (authorization.Count > 0)
        {
            var value = authorization.Count == 1 ? authorization[0] : null;
            if (value is null || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                // Note: another scheme (Basic, Digest) is not ours to judge; a second Authorization header is.
                return authorization.Count > 1 || value?.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) == true;
            }

            // Note: only HTTP's own whitespace (SP, HTAB) around the token is ignored; anything else is part of it.
            token = value.AsMemory(7).Trim(" \t");
            var appIds = Request.Headers[LatchkeyDefaults.AppIdHeader];
            appId = appIds.Count == 1 ? ValidAppId(appIds[0]) : null;
            return true;
        }

        if (!Options.AcceptSessionCookies)
        {
            return false;
        }

        var (sessionCookie, appCookie, _) = SessionCookies.Names(Context);
        if (!Request.Cookies.TryGetValue(sessionCookie, out var cookie))
        {
            return false;
        }

        fromCookie = true;
        token = cookie.AsMemory();
        appId = Request.Cookies.TryGetValue(appCookie, out var app) ? ValidAppId(app) : null;
        return true;
    }

    private AuthenticateResult Fail(CredentialFailure failure)
    {
        _failure = failure;
        refusals.Record(failure);
        return AuthenticateResult.Fail(failure.ToString());
    }

    private async Task WriteProblemAsync(int status, string title, string detail, string? reason = null)
    {
        Response.StatusCode = status;
        Response.Headers.CacheControl = "no-store";
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (reason is not null)
        {
            problem.Extensions["reason"] = reason;
        }

        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }

    /// <summary>The problem's detail for a credential that ended for <paramref name="reason"/>.</summary>
    private static string ReasonDetail(CredentialEndReason reason) => reason switch
    {
        CredentialEndReason.Expired => "The credential has expired.",
        CredentialEndReason.Idle => "The session ended after being unused for too long.",
        CredentialEndReason.LoggedOut => "The session was logged out.",
        CredentialEndReason.RevokedByAdmin => "The session was ended by an administrator.",
        CredentialEndReason.Replaced => "A newer login from the same app instance replaced this session.",
        CredentialEndReason.PasswordChanged => "The password was changed; every other session ended.",
        CredentialEndReason.PasswordReset => "The password was reset; every session ended.",
        CredentialEndReason.UserDisabled => "The user was disabled.",
        CredentialEndReason.UserDeleted => "The user was deleted.",
        CredentialEndReason.TokenRotated => "The machine token was replaced by a new one.",
        CredentialEndReason.Leaked => "The credential was reported as leaked and revoked.",
        CredentialEndReason.SessionEvicted => "The session ended because too many sessions were open.",
        CredentialEndReason.TenantPolicy => "The organisation's policy ended this session.",
        _ => "The credential is invalid, expired or revoked.",
    };

    private static string? ValidAppId(string? appId) => appId is not null && AppIdFormat.IsValid(appId) ? appId : null;
}
