using System.Collections.Concurrent;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Credentials;

/// <summary>
/// The database reads of cache misses, made once per public part however many requests miss on it at once (single
/// flight), and not at all for a public part just read as unknown (<see cref="UnknownCredentials"/>).
/// </summary>
/// <remarks>
/// A request may share a read only if that read began after every change the request must see. Each read carries the
/// <see cref="CredentialCache"/> stamp taken before it began, and a request joins it only when that stamp is at least
/// its own (taken on arrival): a change this instance applied between the two would have moved the stamp on, and a
/// revoking call returns only once every instance has applied its change or stopped trusting its cache. So sharing is
/// done only while the change feed is current, exactly when the cache itself is asked; otherwise each request reads.
/// </remarks>
internal sealed class CredentialReads(
    ICredentialLookup lookup, CredentialCache cache, ICredentialChangeFeed feed, UnknownCredentials unknown, LatchkeyMetrics metrics)
{
    private readonly ConcurrentDictionary<string, Flight<SessionRow>> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Flight<MachineUserRow>> _machineUsers = new(StringComparer.Ordinal);
    private long _joined;

    /// <summary>Requests that shared another's read so far (a diagnostic, for tests).</summary>
    internal long Joined => Interlocked.Read(ref _joined);

    /// <summary>The session of <paramref name="keyId"/>; <paramref name="stamp"/> is the cache's, taken on arrival.</summary>
    public ValueTask<SessionRow?> FindSessionAsync(string keyId, long stamp, CancellationToken cancellationToken) =>
        Shares ? ReadOnceAsync(_sessions, TokenKind.ApiKey, keyId, stamp, static (l, k) => l.FindSessionAsync(k, CancellationToken.None), cancellationToken)
            : ReadAlone(lookup.FindSessionAsync(keyId, cancellationToken));

    /// <summary>The machine user of <paramref name="login"/>; <paramref name="stamp"/> is the cache's, taken on arrival.</summary>
    public ValueTask<MachineUserRow?> FindMachineUserAsync(string login, long stamp, CancellationToken cancellationToken) =>
        Shares ? ReadOnceAsync(_machineUsers, TokenKind.MachineToken, login, stamp, static (l, k) => l.FindMachineUserAsync(k, CancellationToken.None), cancellationToken)
            : ReadAlone(lookup.FindMachineUserAsync(login, cancellationToken));

    private bool Shares => cache.Enabled && feed.IsCurrent;

    private ValueTask<T?> ReadAlone<T>(ValueTask<T?> read)
        where T : struct
    {
        metrics.MissAnswered(LatchkeyMetrics.MissAnswers.Database);
        return read;
    }

    private async ValueTask<T?> ReadOnceAsync<T>(ConcurrentDictionary<string, Flight<T>> flights, TokenKind kind, string publicPart,
        long stamp, Func<ICredentialLookup, string, ValueTask<T?>> read, CancellationToken cancellationToken)
        where T : struct
    {
        if (unknown.Contains(kind, publicPart, stamp))
        {
            metrics.MissAnswered(LatchkeyMetrics.MissAnswers.KnownUnknown);
            return null;
        }

        Flight<T>? mine = null;
        while (true)
        {
            if (flights.TryGetValue(publicPart, out var flight))
            {
                if (flight.Stamp >= stamp)
                {
                    Interlocked.Increment(ref _joined);
                    metrics.MissAnswered(LatchkeyMetrics.MissAnswers.Shared);
                    return await flight.Read.Task.WaitAsync(cancellationToken);
                }

                // Note: that read began before a change this request must see; this one replaces it for later arrivals.
                mine ??= new Flight<T>(stamp);
                if (flights.TryUpdate(publicPart, mine, flight))
                {
                    break;
                }
            }
            else
            {
                mine ??= new Flight<T>(stamp);
                if (flights.TryAdd(publicPart, mine))
                {
                    break;
                }
            }
        }

        try
        {
            // Note: not cancelled with this request: other requests may be waiting for the same answer. One indexed read
            // is bounded by the command timeout.
            metrics.MissAnswered(LatchkeyMetrics.MissAnswers.Database);
            var row = await read(lookup, publicPart);
            if (row is null)
            {
                unknown.Add(kind, publicPart, stamp);
            }

            mine.Read.SetResult(row);
            return row;
        }
        catch (Exception e)
        {
            mine.Read.SetException(e);

            // Note: observed here, so that a failure nobody joined is not reported again as unobserved.
            _ = mine.Read.Task.Exception;
            throw;
        }
        finally
        {
            flights.TryRemove(KeyValuePair.Create(publicPart, mine));
        }
    }

    private sealed class Flight<T>(long stamp)
        where T : struct
    {
        public long Stamp { get; } = stamp;

        public TaskCompletionSource<T?> Read { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
