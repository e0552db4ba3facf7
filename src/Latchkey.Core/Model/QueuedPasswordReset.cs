namespace Latchkey.Core.Model;

/// <summary>
/// One <c>POST /v1/password-reset</c> not yet handled (<c>password_reset_requests</c>). The request path writes one of
/// these for every login, existing or not, and nothing else, so neither its answer nor its timing tells logins apart;
/// the background worker resolves it (look-up, limits, token, message) and deletes it in the same transaction.
/// </summary>
internal sealed class QueuedPasswordReset
{
    /// <summary>The longest login kept; longer ones are refused at the door like any malformed input.</summary>
    public const int MaxLoginLength = 1024;

    public Guid Id { get; set; }

    /// <summary>
    /// The login as typed. Note: not a secret, but people type passwords into login fields: it is never logged and the
    /// row goes as soon as it is handled (normally within a second), or after <see cref="Email.PasswordResetService.RequestLifetime"/>.
    /// </summary>
    public required string Login { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>When the worker may look at it (again): a handling that failed is retried a minute later.</summary>
    public DateTimeOffset DueAt { get; set; }
}
