namespace Latchkey.Core.Model;

/// <summary>
/// One e-mail in the transactional outbox (<c>email_outbox</c>): written in the same transaction as the change that
/// causes it, sent by the background sender, deleted once delivered.
/// </summary>
internal sealed class OutboxMessage
{
    public const int MaxKindLength = 40;
    public const int MaxErrorLength = 200;

    public Guid Id { get; set; }

    /// <summary>The template it was made from (<see cref="Email.EmailTemplateNames"/>), for logs and metrics.</summary>
    public required string Kind { get; set; }

    /// <summary>
    /// The whole MIME message, encrypted with ASP.NET Core Data Protection (<see cref="Email.IEmailBodyProtector"/>):
    /// it may carry a reset or invitation link. Null once the message failed or expired.
    /// </summary>
    public byte[]? Body { get; set; }

    public OutboxState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// When the next attempt may start. A claim moves it one lease ahead, so that a sender that died mid-send leaves the
    /// message due again once the lease has passed (at-least-once only across such a crash).
    /// </summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>After this the message is pointless (its link has expired) and is dropped unsent.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Why the last attempt failed: the exception's type and SMTP status, never the message.</summary>
    public string? LastError { get; set; }
}

internal enum OutboxState
{
    Pending = 0,

    /// <summary>Given up after the retries (or expired unsent); the body is gone, the row is kept for a while.</summary>
    Failed = 2,
}
