using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Storage.Postgres;
using Latchkey.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Tests;

/// <summary>
/// A server on the tool's database, as far as revocation goes: its change feed runs and its cache holds a verified key
/// of one user; then the feed stalls, as in a paused process, so it learns of no change and trusts its cache until its
/// lease runs out. Only waiting out that lease makes a revocation hold on it.
/// </summary>
internal sealed class StalledServer : IAsyncDisposable
{
    private const string Key = "cached-key";

    private readonly CliServices _services;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _running = Task.CompletedTask;

    private StalledServer(CliServices services) => _services = services;

    private ICredentialChangeFeed Feed => _services.Root.GetRequiredService<ICredentialChangeFeed>();

    private CredentialCache Cache => _services.Root.GetRequiredService<CredentialCache>();

    public static async Task<StalledServer> StartAsync(CliDatabase db, IDictionary<string, string?> settings, Guid tenantId, Guid userId)
    {
        var environment = db.Environment();
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var console = new CliConsole { In = TextReader.Null, Out = TextWriter.Null, Error = TextWriter.Null, Environment = environment, WorkingDirectory = db.Directory };
        var server = new StalledServer(CliServices.Build(CliServices.ReadConfiguration(console, null, null), console));
        server._running = Task.Run(() => server.Feed.RunAsync(server._stop.Token));
        for (var i = 0; i < 1000 && !server.Feed.IsCurrent; i++)
        {
            await Task.Delay(10);
        }

        server.Cache.Store(Key, new CachedCredential(TokenKind.ApiKey, new byte[32], "app-1", DateTimeOffset.MaxValue, DateTimeOffset.MaxValue,
            new AuthenticatedCaller(userId, tenantId, "alice@example.com", UserKind.Human, TenantRole.Owner, "", null, "app-1"), server.Cache.Stamp()));
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Task> hold = () =>
        {
            stalled.TrySetResult();
            return server._resumed.Task;
        };
        switch (server.Feed)
        {
            case SqliteCredentialChangeFeed sqlite:
                sqlite.BetweenRounds = hold;
                break;
            case PostgresCredentialChangeFeed postgres:
                postgres.BetweenRounds = hold;
                break;
        }

        await stalled.Task;
        Assert.True(server.WouldAccept());
        return server;
    }

    /// <summary>Whether a request with the cached key would be answered from the cache now.</summary>
    public bool WouldAccept() => Feed.IsCurrent && Cache.Find(Key) is not null;

    public async ValueTask DisposeAsync()
    {
        _resumed.TrySetResult();
        await _stop.CancelAsync();
        await _running;
        await _services.DisposeAsync();
        _stop.Dispose();
    }
}
