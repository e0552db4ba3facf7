namespace Latchkey.Core.Email;

/// <summary>
/// E-mail delivery (<c>Latchkey:Email</c>) and the base of every link (<c>Latchkey:PublicBaseUrl</c>). With an SMTP host,
/// mail goes over SMTP (MailKit); without one, into <see cref="PickupDirectory"/> as <c>.eml</c> files; in Production
/// with neither, the flows that need mail answer 503 and <c>/healthz</c> reports degraded.
/// </summary>
public sealed class LatchkeyEmailOptions
{
    public const string Section = "Latchkey:Email";

    /// <summary>The configuration key of <see cref="PublicBaseUrl"/>.</summary>
    public const string PublicBaseUrlKey = "Latchkey:PublicBaseUrl";

    /// <summary>
    /// Bound from <c>Latchkey:PublicBaseUrl</c>: the only source of links in messages (never the request's <c>Host</c> or
    /// <c>X-Forwarded-Host</c>). Required in Production; defaults to <c>http://localhost:5080</c> in Development.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The sender address (<c>Latchkey:Email:From</c>), e.g. <c>Latchkey &lt;no-reply@example.com&gt;</c>. Defaults to <c>no-reply@localhost</c>.</summary>
    public string From { get; set; } = "no-reply@localhost";

    /// <summary>The product name in subjects and bodies. Defaults to <c>Latchkey</c>.</summary>
    public string ProductName { get; set; } = "Latchkey";

    /// <summary>
    /// Where messages go as <c>.eml</c> files when no SMTP host is configured. Defaults to <c>mail/</c> beside the SQLite
    /// file (or the working directory) outside Production; in Production, unset means no delivery.
    /// </summary>
    public string? PickupDirectory { get; set; }

    /// <summary>
    /// A directory of the operator's templates, each overriding a built-in one: <c>{name}.subject.txt</c>,
    /// <c>{name}.txt</c>, <c>{name}.html</c> (names in docs/security.md). Defaults to none.
    /// </summary>
    public string? TemplateDirectory { get; set; }

    /// <summary>Whether a person is told of a sign-in from a new app instance. Defaults to true.</summary>
    public bool NewDeviceNotice { get; set; } = true;

    /// <summary>The sender looks for due messages at least this often (and at once when one is queued here). Defaults to 5 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry after a failed send; each further one waits twice as long. Defaults to 30 seconds.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A message still undelivered this long after it was queued is marked failed. Defaults to 24 hours.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// <c>/healthz/ready</c> reports not ready while a message has been due this long without any sender claiming it
    /// (the outbox is stuck: no instance's sender runs). A relay that refuses mail is not "stuck": its messages wait for
    /// their next retry, and <c>latchkey.emails.failed</c> tells of it. Note: the outbox is shared, so a stuck one takes
    /// every instance out of rotation; <see cref="TimeSpan.Zero"/> turns the check off. Defaults to 15 minutes.
    /// </summary>
    public TimeSpan ReadyMaxOutboxAge { get; set; } = TimeSpan.FromMinutes(15);

    public LatchkeySmtpOptions Smtp { get; set; } = new();
}

/// <summary>The SMTP relay (<c>Latchkey:Email:Smtp</c>).</summary>
public sealed class LatchkeySmtpOptions
{
    /// <summary>The relay's host name; unset means no SMTP (see <see cref="LatchkeyEmailOptions.PickupDirectory"/>).</summary>
    public string? Host { get; set; }

    /// <summary>Defaults to 587 (submission).</summary>
    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary><c>None</c>, <c>StartTls</c>, <c>SslOnConnect</c> or <c>Auto</c> (MailKit's choice by port). Defaults to <c>Auto</c>.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
}

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    Auto,
    None,
    StartTls,
    SslOnConnect,
}
