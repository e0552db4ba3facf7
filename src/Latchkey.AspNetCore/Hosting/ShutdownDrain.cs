using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Marks the instance not ready as soon as the host begins to stop, then holds the stop for
/// <see cref="LatchkeyShutdownOptions.DrainDelay"/> while the server still accepts requests.
/// </summary>
// Note: a lifecycle service's StoppingAsync runs before any hosted service's StopAsync, so before the web server stops
// listening: the readiness probe can still be asked, and answers 503, during the delay.
internal sealed class ShutdownDrain(IOptions<LatchkeyShutdownOptions> options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>True from the moment the host was asked to stop.</summary>
    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var delay = options.Value.DrainDelay;
        Log.Draining(logger, delay);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Note: the host's ShutdownTimeout ran out first; the stop goes on.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
