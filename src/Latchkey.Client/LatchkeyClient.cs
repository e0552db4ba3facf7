using System.Net;
using System.Net.Http.Json;
using Latchkey.Contracts;

namespace Latchkey.Client;

/// <summary>
/// The app instance's side of Latchkey: logs in with a login and password (once; the key is kept in the store and the
/// app id in the configuration directory, so a restarted app is still logged in), logs out, and hands out the
/// <see cref="HttpClient"/> whose requests the handler signs.
/// </summary>
public sealed class LatchkeyClient
{
    private readonly IHttpClientFactory _factory;
    private readonly LatchkeyCredentials _credentials;
    private readonly string _clientName;

    internal LatchkeyClient(IHttpClientFactory factory, LatchkeyCredentials credentials, string clientName)
    {
        _factory = factory;
        _credentials = credentials;
        _clientName = clientName;
    }

    /// <summary>This installation's app id, generated on first use and kept in the configuration directory.</summary>
    public string AppId => _credentials.AppId;

    /// <summary>
    /// Raised when a signed request is refused with 401 (the session was revoked or expired, the user disabled): ask
    /// the user for the password again and call <see cref="LoginAsync"/>.
    /// </summary>
    public event EventHandler<LatchkeyUnauthorizedEventArgs>? Unauthorized
    {
        add => _credentials.Unauthorized += value;
        remove => _credentials.Unauthorized -= value;
    }

    /// <summary>
    /// Raised when a sensitive request (changing the password, a second factor, a role; minting a machine token…) is
    /// refused until the person authenticates again (RFC 9470 step-up). The key stays valid: ask for the password (and
    /// a code), call <see cref="ReauthenticateAsync"/>, and repeat the request.
    /// </summary>
    public event EventHandler<LatchkeyStepUpRequiredEventArgs>? StepUpRequired
    {
        add => _credentials.StepUpRequired += value;
        remove => _credentials.StepUpRequired -= value;
    }

    /// <summary>The client whose every request carries this app instance's credentials.</summary>
    public HttpClient HttpClient => _factory.CreateClient(_clientName);

    /// <summary>
    /// Whether a key is stored. It may have been revoked or have expired since: the first request that the server answers
    /// 401 <c>invalid_token</c> forgets it (and raises <see cref="Unauthorized"/>), after which this is false.
    /// </summary>
    public async Task<bool> HasKeyAsync(CancellationToken cancellationToken = default) =>
        _credentials.Options.MachineToken is { Length: > 0 } || await _credentials.Keys.ReadAsync(cancellationToken) is not null;

    /// <summary>
    /// Logs this app instance in and stores its key; false when the login or password is refused. For a person with a
    /// second factor use the overload that takes a code: this one then fails with <see cref="InvalidOperationException"/>.
    /// </summary>
    public Task<bool> LoginAsync(string login, string password, CancellationToken cancellationToken = default) =>
        LoginAsync(login, password, null, cancellationToken);

    /// <summary>
    /// Logs in a person with a second factor: the password, then <paramref name="code"/> (a code of the authenticator
    /// app) for the second step. False when the password or the code is refused.
    /// </summary>
    public async Task<bool> LoginAsync(string login, string password, string? code, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/login")
        {
            Content = JsonContent.Create(new LoginRequest(login, password, AppId, _credentials.Options.AppName)),
        };
        request.Options.Set(LatchkeyHandler.Anonymous, true);
        using var response = await HttpClient.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var challenge = await response.Content.ReadFromJsonAsync<MfaRequiredResponse>(cancellationToken)
                ?? throw new InvalidOperationException("The login response had no body.");
            if (code is null)
            {
                throw new InvalidOperationException("This person has a second factor: log in with a code of their authenticator app.");
            }

            using var second = new HttpRequestMessage(HttpMethod.Post, "v1/login/mfa")
            {
                Content = JsonContent.Create(new MfaLoginRequest(challenge.MfaToken, AppId, code, null)),
            };
            second.Options.Set(LatchkeyHandler.Anonymous, true);
            using var secondResponse = await HttpClient.SendAsync(second, cancellationToken);
            if (secondResponse.StatusCode == HttpStatusCode.Unauthorized)
            {
                return false;
            }

            return await StoreKeyAsync(secondResponse.EnsureSuccessStatusCode(), cancellationToken);
        }

        return await StoreKeyAsync(response, cancellationToken);
    }

    private async Task<bool> StoreKeyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadFromJsonAsync<LoginResponse>(cancellationToken)
            ?? throw new InvalidOperationException("The login response had no body.");
        await _credentials.Keys.WriteAsync(body.ApiKey, cancellationToken);
        return true;
    }

    /// <summary>
    /// Step-up: authenticates again in this session (the password, and a code for a person with a second factor), so
    /// that sensitive requests are accepted for the next minutes. False when the password or code is wrong.
    /// </summary>
    public async Task<bool> ReauthenticateAsync(string password, string? code = null, CancellationToken cancellationToken = default)
    {
        using var response = await HttpClient.PostAsJsonAsync("v1/sessions/current/reauthenticate",
            new ReauthenticateRequest(password, code), cancellationToken);
        if (response.StatusCode is HttpStatusCode.BadRequest)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>Ends this app instance's session on the server and forgets the key.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        if (await _credentials.Keys.ReadAsync(cancellationToken) is not null)
        {
            using var response = await HttpClient.DeleteAsync("v1/sessions/current", cancellationToken);
        }

        await _credentials.Keys.WriteAsync(null, cancellationToken);
    }

    /// <summary>Who the stored key (or machine token) belongs to; null on 401 (a refused key is then forgotten).</summary>
    public async Task<MeResponse?> GetMeAsync(CancellationToken cancellationToken = default)
    {
        using var response = await HttpClient.GetAsync("v1/me", cancellationToken);
        return response.StatusCode == HttpStatusCode.Unauthorized ? null
            : await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<MeResponse>(cancellationToken);
    }
}
