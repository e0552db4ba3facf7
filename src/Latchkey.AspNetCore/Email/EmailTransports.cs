using Latchkey.Core.Email;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Latchkey.AspNetCore.Email;

/// <summary>Sends over SMTP with MailKit, one connection per message (the outbox sends little and rarely).</summary>
internal sealed class SmtpEmailTransport(IOptions<LatchkeyEmailOptions> options) : IEmailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        // Note: this transport is chosen only when a host is configured (EmailHosting), so a missing one is a defect.
        var host = smtp.Host ?? throw new InvalidOperationException("Latchkey:Email:Smtp:Host is not configured.");
        using var client = new SmtpClient { Timeout = 60_000 };
        await client.ConnectAsync(host, smtp.Port, smtp.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        }, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.Username))
        {
            await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}

/// <summary>
/// Writes each message as an <c>.eml</c> file into the pickup directory (development: open it, follow the link). The
/// file is written under a temporary name and renamed, so a watcher never reads half a message.
/// </summary>
internal sealed class PickupDirectoryEmailTransport(IOptions<LatchkeyEmailOptions> options, TimeProvider time) : IEmailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(options.Value.PickupDirectory!).FullName;
        var name = $"{time.GetUtcNow():yyyyMMdd'T'HHmmss}-{Guid.NewGuid():N}";
        var temporary = Path.Combine(directory, name + ".tmp");
        await message.WriteToAsync(temporary, cancellationToken);
        File.Move(temporary, Path.Combine(directory, name + ".eml"));
    }
}

/// <summary>No delivery configured: a message is never sent (it stays queued and is given up like any other).</summary>
internal sealed class UnconfiguredEmailTransport : IEmailTransport
{
    public Task SendAsync(MimeMessage message, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("E-mail is not configured: set Latchkey:Email:Smtp:Host or Latchkey:Email:PickupDirectory.");
}
