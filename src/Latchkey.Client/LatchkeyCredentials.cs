using System.Security.Cryptography;

namespace Latchkey.Client;

/// <summary>
/// What the handler attaches to requests: the installation's app id (generated once and kept in a file, as Latchkey's
/// design suggests for native apps), the key from the store, or the machine token. Shared by the handler and the client.
/// </summary>
internal sealed class LatchkeyCredentials(LatchkeyClientOptions options, ILatchkeyKeyStore keys)
{
    private readonly Lazy<string> _appId = new(() => LoadOrCreateAppId(options.ResolveConfigDirectory()));

    public LatchkeyClientOptions Options => options;

    public ILatchkeyKeyStore Keys => keys;

    public string AppId => _appId.Value;

    /// <summary>
    /// The client's <c>BaseAddress</c>, taken as each client is created: the one origin (scheme, host, port) that is
    /// sent the key or token. Null until then, or when no base address is set, and then nothing is signed.
    /// </summary>
    public Uri? Origin { get => Volatile.Read(ref _origin); set => Volatile.Write(ref _origin, value); }

    private Uri? _origin;

    /// <summary>Whether <paramref name="target"/> is on <see cref="Origin"/>: same scheme, host and port.</summary>
    public bool IsOrigin(Uri? target) =>
        Origin is { IsAbsoluteUri: true } origin && target is { IsAbsoluteUri: true }
        && string.Equals(origin.Scheme, target.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(origin.IdnHost, target.IdnHost, StringComparison.OrdinalIgnoreCase)
        && origin.Port == target.Port;

    public event EventHandler<LatchkeyUnauthorizedEventArgs>? Unauthorized;

    public void RaiseUnauthorized(LatchkeyUnauthorizedEventArgs e) => Unauthorized?.Invoke(this, e);

    public event EventHandler<LatchkeyStepUpRequiredEventArgs>? StepUpRequired;

    public void RaiseStepUpRequired(LatchkeyStepUpRequiredEventArgs e) => StepUpRequired?.Invoke(this, e);

    private static string LoadOrCreateAppId(string directory)
    {
        var path = Path.Combine(directory, "app-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= 8 } existing)
        {
            return existing;
        }

        PrivateDirectory.Ensure(directory);

        // Note: 128 random bits, in the app id alphabet [A-Za-z0-9._~-]; it names the installation, not the user.
        var appId = "app-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            using var writer = new StreamWriter(stream);
            writer.Write(appId);
            return appId;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Note: another process of the same installation wrote it first; theirs is the installation's id.
            return File.ReadAllText(path).Trim();
        }
    }
}

/// <summary>A request was refused with 401: the key (or token) is no longer valid, or there was none.</summary>
public sealed class LatchkeyUnauthorizedEventArgs : EventArgs
{
    public LatchkeyUnauthorizedEventArgs(string? error, string? detail, Uri? requestUri)
        : this(error, detail, requestUri, LatchkeyUnauthorizedReason.None)
    {
    }

    public LatchkeyUnauthorizedEventArgs(string? error, string? detail, Uri? requestUri, LatchkeyUnauthorizedReason reason)
    {
        Error = error;
        Detail = detail;
        RequestUri = requestUri;
        Reason = reason;
    }

    /// <summary>The <c>WWW-Authenticate</c> error (<c>invalid_token</c> when a credential was refused), or null.</summary>
    public string? Error { get; }

    /// <summary>The server's explanation from the problem response, e.g. "The password was changed; every other session ended."</summary>
    public string? Detail { get; }

    public Uri? RequestUri { get; }

    /// <summary>
    /// Why a credential that once worked stopped working (the problem's <c>reason</c>), so the app can say so, e.g.
    /// "You were signed out because your password was changed"; <see cref="LatchkeyUnauthorizedReason.None"/> when the
    /// server gave none (no credential, or one it never issued).
    /// </summary>
    public LatchkeyUnauthorizedReason Reason { get; }
}

/// <summary>The <c>reason</c> of a 401 for a credential that once worked (docs/authorization.md).</summary>
public enum LatchkeyUnauthorizedReason
{
    /// <summary>No reason given: no credential was sent, or one the server never issued.</summary>
    None = 0,

    /// <summary>A reason this version of the client does not know yet.</summary>
    Unrecognized,

    /// <summary><c>expired</c>: the absolute lifetime (or a machine token's expiry) passed.</summary>
    Expired,

    /// <summary><c>idle</c>: unused for longer than the idle timeout.</summary>
    Idle,

    /// <summary><c>logged_out</c>.</summary>
    LoggedOut,

    /// <summary><c>revoked_by_admin</c>.</summary>
    RevokedByAdmin,

    /// <summary><c>replaced</c>: a newer login from the same app instance.</summary>
    Replaced,

    /// <summary><c>password_changed</c>.</summary>
    PasswordChanged,

    /// <summary><c>password_reset</c>.</summary>
    PasswordReset,

    /// <summary><c>user_disabled</c>.</summary>
    UserDisabled,

    /// <summary><c>user_deleted</c>.</summary>
    UserDeleted,

    /// <summary><c>token_rotated</c>: a machine token was replaced by a new one (and any grace period has ended).</summary>
    TokenRotated,

    /// <summary><c>leaked</c>: reported as found in a public place, and revoked.</summary>
    Leaked,

    /// <summary><c>session_evicted</c>: a login beyond the per-person bound ended this least recently used session.</summary>
    SessionEvicted,

    /// <summary><c>tenant_policy</c>: the organisation's stricter policy ended it.</summary>
    TenantPolicy,
}

/// <summary>
/// A sensitive request was refused until the person authenticates again (RFC 9470 <c>insufficient_user_authentication</c>):
/// the session is still valid. Ask for the password (and a code, if the person has a second factor), call
/// <see cref="LatchkeyClient.ReauthenticateAsync"/>, then repeat the request.
/// </summary>
public sealed class LatchkeyStepUpRequiredEventArgs(TimeSpan? maxAge, string? detail, Uri? requestUri) : EventArgs
{
    /// <summary>How recent the authentication must be (the challenge's <c>max_age</c>), when the server said.</summary>
    public TimeSpan? MaxAge { get; } = maxAge;

    public string? Detail { get; } = detail;

    public Uri? RequestUri { get; } = requestUri;
}
