using Latchkey.Core.Services;
using Microsoft.Extensions.Hosting;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// One hash at start-up, through the gate: the gate's first measure of the hash time, so that the first burst after
/// a start is admitted by a real estimate, and the dummy verifier ready before the first unknown login.
/// </summary>
internal sealed class HashingWarmUp(PasswordService passwords) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => passwords.WarmUpAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
