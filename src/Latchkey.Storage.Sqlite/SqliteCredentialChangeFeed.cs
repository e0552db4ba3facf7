using System.Data.Common;
using System.Diagnostics;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.Storage.Sqlite;

/// <summary>
/// SQLite's change feed. The file has one serving process, but the <c>latchkey</c> tool may change credentials in it
/// beside that process. Every change adds a row to <c>credential_changes</c> in its own transaction, naming the process
/// that made it; the server reads the rows added since its last look every quarter lease, and forgets its whole cache
/// when one came from another process. It trusts its cache for one lease after a look that succeeded, and a process
/// that does not look (the tool) waits one lease after its change, so the server has looked by the time it returns.
/// </summary>
internal sealed partial class SqliteCredentialChangeFeed(
    string connectionString, CredentialCache cache, UnheardChangeWaits unheard, IOptions<LatchkeyCredentialCacheOptions> options,
    ILogger<SqliteCredentialChangeFeed> logger)
    : ICredentialChangeFeed
{
    private readonly string _writer = Guid.NewGuid().ToString("N");
    private readonly TimeSpan _lease = options.Value.Lease;
    private long _trustedUntil;
    private volatile bool _running;

    public bool IsCurrent => Stopwatch.GetTimestamp() < Volatile.Read(ref _trustedUntil);

    public async Task<long> AnnounceAsync(DbConnection connection, DbTransaction? transaction, Guid subject, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO credential_changes (writer, at) VALUES ($writer, $at)";
        command.Parameters.Add(new SqliteParameter("$writer", _writer));
        command.Parameters.Add(new SqliteParameter("$at", DateTimeOffset.UtcNow.UtcTicks));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return 0;
    }

    // Note: a serving process has applied its own changes by the time they commit, and it is the only one that caches.
    public Task AwaitAppliedAsync(long announcement, CancellationToken cancellationToken) =>
        _running ? Task.CompletedTask : unheard.WaitAsync(cancellationToken);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _running = true;
        long? seen = null;
        var failing = false;
        var looks = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var lookedAt = Stopwatch.GetTimestamp();
            try
            {
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT max(seq), max(writer <> $writer) FROM credential_changes WHERE seq > $seen";
                command.Parameters.Add(new SqliteParameter("$writer", _writer));
                command.Parameters.Add(new SqliteParameter("$seen", seen ?? -1));
                await using (var reader = await command.ExecuteReaderAsync(stoppingToken))
                {
                    await reader.ReadAsync(stoppingToken);
                    var foreign = seen is null || (!reader.IsDBNull(1) && reader.GetInt64(1) == 1);
                    if (!reader.IsDBNull(0))
                    {
                        seen = reader.GetInt64(0);
                    }

                    seen ??= 0;
                    if (foreign)
                    {
                        cache.Invalidate(Guid.Empty);
                    }
                }

                if (++looks % 1000 == 0)
                {
                    // Note: an hour of history is far more than any process needs to see a change; the rest goes.
                    command.CommandText = "DELETE FROM credential_changes WHERE at < $before AND seq < $seen";
                    command.Parameters.Clear();
                    command.Parameters.Add(new SqliteParameter("$before", DateTimeOffset.UtcNow.AddHours(-1).UtcTicks));
                    command.Parameters.Add(new SqliteParameter("$seen", seen));
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }

                Volatile.Write(ref _trustedUntil, lookedAt + (long)(_lease.TotalSeconds * Stopwatch.Frequency));
                failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                // Note: the cache stops being trusted when the lease runs out; requests then read the file (or get 503).
                if (!failing)
                {
                    LogLookFailed(logger, e);
                    failing = true;
                }
            }

            try
            {
                await Task.Delay(_lease / 4, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _running = false;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Could not read credential changes; the credential cache is not trusted until this succeeds again")]
    private static partial void LogLookFailed(ILogger logger, Exception exception);
}
