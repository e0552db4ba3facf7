using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Refuses to start on a database without Latchkey's schema (an empty one, or another application's), which would
/// otherwise answer every request with an error: one clear message at start-up instead.
/// </summary>
// Note: hosted services start after Program.cs has run its own MigrateLatchkeyDatabaseAsync (before Run), and before
// the web server listens. A database that cannot be reached now is left to the fail-closed path (503 until it is back).
internal sealed class SchemaCheck(IServiceProvider services, IStorageErrorClassifier errors) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        bool migrated;
        try
        {
            migrated = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Any();
        }
        catch (Exception e) when (errors.Classify(e) == StorageErrorKind.Unavailable)
        {
            return;
        }

        if (!migrated)
        {
            var connection = db.Database.GetDbConnection();
            var where = string.IsNullOrEmpty(connection.Database) || connection.Database == "main"
                ? connection.DataSource
                : $"{connection.DataSource}/{connection.Database}";
            throw new InvalidOperationException(
                $"No Latchkey schema in {where}; run the server once or `latchkey migrate` (or call MigrateLatchkeyDatabaseAsync before Run).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
