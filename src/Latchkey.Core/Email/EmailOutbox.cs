using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Latchkey.Core.Email;

/// <summary>
/// Queues e-mails: renders a template (<see cref="EmailTemplates"/>), builds the MIME message from parsed addresses,
/// encrypts it (<see cref="IEmailBodyProtector"/>) and adds it to the outbox inside the caller's unit of work, so it
/// commits with the change that causes it. Call <see cref="Wake"/> after the commit to have this instance's sender
/// look at once (the others find it at their next poll). Every flow that mails (verification, reset, notices,
/// invitations) goes through here.
/// </summary>
internal sealed class EmailOutbox(
    IEmailOutboxStore store,
    IEmailBodyProtector protector,
    EmailTemplates templates,
    EmailSenderSignal signal,
    IOptions<LatchkeyEmailOptions> options,
    TimeProvider time)
{
    /// <summary>How long a notice without a link is worth sending.</summary>
    public static readonly TimeSpan NoticeLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether mail can be delivered and linked to: a public base URL, and an SMTP host or a pickup directory. When it
    /// is false the flows that need mail answer 503.
    /// </summary>
    public bool IsConfigured => EmailConfiguration.IsConfigured(options.Value);

    /// <summary>The link <c>{PublicBaseUrl}{path}#token=…</c>: the token in the fragment never reaches a server log or a Referer.</summary>
    public string Link(string path, string? token = null)
    {
        var link = options.Value.PublicBaseUrl!.TrimEnd('/') + path;
        return token is null ? link : $"{link}#token={token}";
    }

    /// <summary>
    /// Queues <paramref name="template"/> to <paramref name="to"/> (a normalised address), due now; it is dropped unsent
    /// after <paramref name="lifetime"/> (a link's own lifetime, or <see cref="NoticeLifetime"/>).
    /// </summary>
    public async Task QueueAsync(
        string template, string to, string? tenantName, IDictionary<string, string> values, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        values["product"] = settings.ProductName;
        values["tenant"] = tenantName ?? "";
        values["devicesLink"] = Link("/devices");
        var (subject, text, html) = templates.Render(template, values.AsReadOnly());
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(new MailboxAddress("", to));
        message.Subject = subject;
        message.Date = time.GetUtcNow();
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            // Note: 8bit keeps a link on one line (quoted-printable would break it with soft line breaks), so a
            // developer can copy it from a pickup file; MailKit re-encodes for a relay without 8BITMIME.
            part.ContentTransferEncoding = ContentEncoding.EightBit;
        }

        using var buffer = new MemoryStream();
        await message.WriteToAsync(buffer, cancellationToken);
        var now = time.GetUtcNow();
        await store.AddAsync(new OutboxMessage
        {
            Id = Guid.CreateVersion7(now),
            Kind = template,
            Body = protector.Protect(buffer.ToArray()),
            State = OutboxState.Pending,
            CreatedAt = now,
            DueAt = now,
            ExpiresAt = now + lifetime,
        }, cancellationToken);
    }

    /// <summary>After a commit that queued mail: this instance's sender looks now rather than at its next poll.</summary>
    public void Wake() => signal.Wake();
}

/// <summary>Wakes the background sender of this instance (e.g. right after a commit that queued a message).</summary>
internal sealed class EmailSenderSignal
{
    private TaskCompletionSource _woken = New();
    private int _rounds;

    /// <summary>Rounds of the sender under way (tests wait for 0: nothing is being sent).</summary>
    public int RoundsUnderWay => Volatile.Read(ref _rounds);

    public void RoundStarted() => Interlocked.Increment(ref _rounds);

    public void RoundEnded() => Interlocked.Decrement(ref _rounds);

    public Task Listen() => Volatile.Read(ref _woken).Task;

    public void Wake() => Interlocked.Exchange(ref _woken, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Whether e-mail is configured, decided in one place.</summary>
internal static class EmailConfiguration
{
    public static bool IsConfigured(LatchkeyEmailOptions options) =>
        !string.IsNullOrEmpty(options.PublicBaseUrl)
        && (!string.IsNullOrEmpty(options.Smtp.Host) || !string.IsNullOrEmpty(options.PickupDirectory));

    /// <summary>A public base URL must be absolute http(s), with no query or fragment for a path to be appended to.</summary>
    public static bool IsValidBaseUrl(string? url) =>
        string.IsNullOrEmpty(url)
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo));

    public static bool IsValidFrom(string? from) =>
        from is { Length: > 0 } && !from.Any(char.IsControl) && MailboxAddress.TryParse(from, out _);
}
