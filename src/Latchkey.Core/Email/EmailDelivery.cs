using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Latchkey.Core.Email;

/// <summary>
/// One round of the background sender: expire what is pointless, claim what is due, send it, delete it. A failed
/// send is retried after <see cref="LatchkeyEmailOptions.RetryBaseDelay"/>, doubling each time, until
/// <see cref="LatchkeyEmailOptions.GiveUpAfter"/> after queuing; then it is marked failed (its body goes) and counted.
/// </summary>
internal sealed class EmailDelivery(
    IEmailOutboxStore store,
    IEmailBodyProtector protector,
    IEmailTransport transport,
    EmailMetrics metrics,
    IOptions<LatchkeyEmailOptions> options,
    TimeProvider time,
    ILogger<EmailDelivery> logger)
{
    public const int BatchSize = 20;

    /// <summary>How long a claim holds a message: past it, a sender that died mid-send leaves the message due again.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    /// <summary>Failed messages are kept this long for operators, without their bodies.</summary>
    public static readonly TimeSpan KeepFailedFor = TimeSpan.FromDays(7);

    /// <summary>Sends one batch; returns how many messages it claimed (a full batch means: look again at once).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = await store.ExpireAsync(now, cancellationToken);
        if (expired > 0)
        {
            metrics.Failed(expired, EmailMetrics.FailureReasons.Expired);
            Log.EmailsExpired(logger, expired);
        }

        var batch = await store.ClaimDueAsync(now, now + ClaimLease, BatchSize, cancellationToken);
        foreach (var message in batch)
        {
            await SendAsync(message, cancellationToken);
        }

        return batch.Count;
    }

    /// <summary>Deletes failed messages past <see cref="KeepFailedFor"/>.</summary>
    public Task<int> PurgeAsync(CancellationToken cancellationToken) =>
        store.PurgeAsync(time.GetUtcNow() - KeepFailedFor, cancellationToken);

    private async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        try
        {
            MimeMessage mime;
            using (var body = new MemoryStream(protector.Unprotect(message.Body!)))
            {
                mime = await MimeMessage.LoadAsync(body, cancellationToken);
            }

            await transport.SendAsync(mime, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: the claim lapses after its lease and the message is sent then.
            throw;
        }
        catch (Exception e)
        {
            // Note: the exception's type and message of the transport (an SMTP status), never the message itself.
            var error = $"{e.GetType().Name}: {e.Message}";
            error = error.Length > OutboxMessage.MaxErrorLength ? error[..OutboxMessage.MaxErrorLength] : error;
            var settings = options.Value;
            var now = time.GetUtcNow();
            var delay = settings.RetryBaseDelay * Math.Pow(2, Math.Min(message.Attempts - 1, 20));
            var next = now + delay;
            if (next - message.CreatedAt > settings.GiveUpAfter || next > message.ExpiresAt)
            {
                await store.FailAsync(message.Id, error, CancellationToken.None);
                metrics.Failed(1, EmailMetrics.FailureReasons.GaveUp);
                Log.EmailGaveUp(logger, message.Id, message.Kind, message.Attempts, error);
            }
            else
            {
                await store.RetryAsync(message.Id, next, error, CancellationToken.None);
                metrics.Retried();
                Log.EmailRetry(logger, message.Id, message.Kind, message.Attempts, next, error);
            }

            return;
        }

        // Note: a crash between the send and this delete sends the message again after the lease: at least once.
        await store.DeleteAsync(message.Id, CancellationToken.None);
        metrics.Sent(message.Kind);
        Log.EmailSent(logger, message.Id, message.Kind, message.Attempts);
    }
}
