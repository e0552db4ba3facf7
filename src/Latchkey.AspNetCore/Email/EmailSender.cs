using Latchkey.Core.Email;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Email;

/// <summary>
/// The outbox's background sender: at every <see cref="LatchkeyEmailOptions.PollInterval"/>, or at once when this
/// instance queued a message, claims due messages and sends them (<see cref="EmailDelivery"/>). Every instance runs
/// one; the claim keeps them from sending a message twice.
/// </summary>
internal sealed class EmailSender(
    IServiceScopeFactory scopes,
    EmailSenderSignal signal,
    IOptions<LatchkeyEmailOptions> options,
    TimeProvider time,
    ILogger<EmailSender> logger) : BackgroundService
{
    private DateTimeOffset _purgedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!EmailConfiguration.IsConfigured(options.Value))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // Note: listen before looking, so a message queued while this round runs wakes the next one.
            var woken = signal.Listen();
            signal.RoundStarted();
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Note: the database is down or busy: the messages wait in the outbox; the next round tries again.
                logger.LogWarning(e, "Could not send queued e-mails");
            }
            finally
            {
                signal.RoundEnded();
            }

            try
            {
                await Task.WhenAny(woken, Task.Delay(options.Value.PollInterval, time, stoppingToken));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        int claimed;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            claimed = await scope.ServiceProvider.GetRequiredService<EmailDelivery>().RunOnceAsync(cancellationToken);
        }
        while (claimed == EmailDelivery.BatchSize);

        var now = time.GetUtcNow();
        if (now - _purgedAt > TimeSpan.FromHours(1))
        {
            _purgedAt = now;
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<EmailDelivery>().PurgeAsync(cancellationToken);
            await scope.ServiceProvider.GetRequiredService<Core.Stores.IEmailTokenStore>()
                .PurgeAsync(now - PasswordResetService.LimitWindow, cancellationToken);
        }
    }
}

/// <summary>
/// Works through the password-reset requests in the database (<see cref="PasswordResetService.ProcessNextAsync"/>), one
/// scope and one transaction each, off the response path: at once when this instance took a request, else at every
/// <see cref="LatchkeyEmailOptions.PollInterval"/> (another instance's requests, or ones left by a crash).
/// </summary>
internal sealed class PasswordResetWorker(
    PasswordResetSignal signal, IServiceScopeFactory scopes, IOptions<LatchkeyEmailOptions> options, TimeProvider time,
    ILogger<PasswordResetWorker> logger) : BackgroundService
{
    private DateTimeOffset _droppedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!EmailConfiguration.IsConfigured(options.Value))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // Note: listen before looking, so a request written while this round runs wakes the next one.
            var woken = signal.Listen();
            signal.RoundStarted();
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Note: the login is not logged (people type passwords into login fields); the request stays queued.
                logger.LogWarning(e, "Could not handle a password-reset request");
            }
            finally
            {
                signal.RoundEnded();
            }

            try
            {
                await Task.WhenAny(woken, Task.Delay(options.Value.PollInterval, time, stoppingToken));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _droppedAt > TimeSpan.FromMinutes(10))
        {
            _droppedAt = now;
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PasswordResetService>().DropStaleAsync(cancellationToken);
        }

        bool handled;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            handled = await scope.ServiceProvider.GetRequiredService<PasswordResetService>().ProcessNextAsync(cancellationToken);
        }
        while (handled);
    }
}
