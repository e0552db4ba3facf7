using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Latchkey.Client;

/// <summary>
/// Signs each request with the app instance's key and app id (<c>Authorization: Bearer</c> + <c>X-App-Id</c>), or with
/// the machine token, on requests to the client's <c>BaseAddress</c> origin only; on a 401 from there raises <see cref="LatchkeyClient.Unauthorized"/> with the reason, so the app can ask
/// for the password again.
/// </summary>
internal sealed partial class LatchkeyHandler(LatchkeyCredentials credentials) : DelegatingHandler
{
    public const string AppIdHeader = "X-App-Id";

    /// <summary>Set on requests that must go out unsigned (the login itself).</summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("Latchkey.Anonymous");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Note: a request with an absolute URI to another origin (a link followed from an API answer, a download) goes
        // out as it came: the key is Latchkey's to see, and a foreign 401 says nothing about it.
        var anonymous = request.Options.TryGetValue(Anonymous, out var unsigned) && unsigned
            || !credentials.IsOrigin(request.RequestUri);
        string? sentKey = null;
        if (request.Headers.Authorization is null && !anonymous)
        {
            if (credentials.Options.MachineToken is { Length: > 0 } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            else if (await credentials.Keys.ReadAsync(cancellationToken) is { } key)
            {
                sentKey = key;
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                request.Headers.Remove(AppIdHeader);
                request.Headers.Add(AppIdHeader, credentials.AppId);
            }
        }

        var response = await base.SendAsync(request, cancellationToken);
        // Note: a refused login is the login's answer, not news about the stored key.
        if (response.StatusCode == HttpStatusCode.Unauthorized && !anonymous)
        {
            var error = ErrorOf(response);
            var problem = await ProblemOfAsync(response, cancellationToken);
            var detail = problem?.Detail;

            // Note: a step-up challenge is no news about the key: it still works for everything else.
            if (error == StepUpError)
            {
                credentials.RaiseStepUpRequired(new LatchkeyStepUpRequiredEventArgs(MaxAgeOf(response), detail, request.RequestUri));
            }
            else
            {
                // Note: a key the server calls invalid (revoked, expired, replaced) never works again: forget it, so
                // that HasKeyAsync is false and the app logs in again instead of sending it forever. Only the key this
                // request carried: a login that stored a new one meanwhile keeps it.
                if (error == InvalidTokenError && sentKey is not null && await credentials.Keys.ReadAsync(cancellationToken) == sentKey)
                {
                    await credentials.Keys.WriteAsync(null, cancellationToken);
                }

                credentials.RaiseUnauthorized(new LatchkeyUnauthorizedEventArgs(error, detail, request.RequestUri, ReasonOf(problem?.Reason)));
            }
        }

        return response;
    }

    private static string? ErrorOf(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Select(h => h.Parameter is null ? null : ErrorPattern().Match(h.Parameter))
            .FirstOrDefault(m => m is { Success: true })?.Groups[1].Value;

    /// <summary>The problem's <c>reason</c> as the enum; names the client does not know are <c>Unrecognized</c>.</summary>
    internal static LatchkeyUnauthorizedReason ReasonOf(string? reason) => reason switch
    {
        null or "" => LatchkeyUnauthorizedReason.None,
        "expired" => LatchkeyUnauthorizedReason.Expired,
        "idle" => LatchkeyUnauthorizedReason.Idle,
        "logged_out" => LatchkeyUnauthorizedReason.LoggedOut,
        "revoked_by_admin" => LatchkeyUnauthorizedReason.RevokedByAdmin,
        "replaced" => LatchkeyUnauthorizedReason.Replaced,
        "password_changed" => LatchkeyUnauthorizedReason.PasswordChanged,
        "password_reset" => LatchkeyUnauthorizedReason.PasswordReset,
        "user_disabled" => LatchkeyUnauthorizedReason.UserDisabled,
        "user_deleted" => LatchkeyUnauthorizedReason.UserDeleted,
        "token_rotated" => LatchkeyUnauthorizedReason.TokenRotated,
        "leaked" => LatchkeyUnauthorizedReason.Leaked,
        "session_evicted" => LatchkeyUnauthorizedReason.SessionEvicted,
        "tenant_policy" => LatchkeyUnauthorizedReason.TenantPolicy,
        _ => LatchkeyUnauthorizedReason.Unrecognized,
    };

    private static async Task<Problem?> ProblemOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return null;
        }

        // Note: buffered, so the caller can still read the body after the handler has.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<Problem>(cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>RFC 6750's error code: the credential presented is not (or no longer) valid.</summary>
    public const string InvalidTokenError = "invalid_token";

    /// <summary>RFC 9470's error code: the action needs a more recent authentication.</summary>
    public const string StepUpError = "insufficient_user_authentication";

    private static TimeSpan? MaxAgeOf(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Select(h => h.Parameter is null ? null : MaxAgePattern().Match(h.Parameter))
            .FirstOrDefault(m => m is { Success: true }) is { } match && long.TryParse(match.Groups[1].Value, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    [GeneratedRegex("error=\"([^\"]*)\"")]
    private static partial Regex ErrorPattern();

    [GeneratedRegex("max_age=([0-9]+)")]
    private static partial Regex MaxAgePattern();

    private sealed record Problem(string? Title, string? Detail, string? Reason);
}
