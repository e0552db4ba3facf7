using Latchkey.Core.Credentials;
using Microsoft.Extensions.Hosting;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Runs the storage provider's credential change feed for as long as the host runs: without it the credential cache
/// is never trusted, and every request reads the database.
/// </summary>
internal sealed class CredentialChangeListener(ICredentialChangeFeed feed) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => feed.RunAsync(stoppingToken);
}
