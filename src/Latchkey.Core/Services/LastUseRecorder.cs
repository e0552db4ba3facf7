using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>
/// Collects last-use times off the request path: a session's <c>last_used_at</c> is written at most once per
/// resolution, so idle expiry stays accurate to that resolution without a database write per request.
/// A background writer drains what is pending.
/// </summary>
internal sealed class LastUseRecorder(IOptions<LatchkeySessionOptions> options)
{
    private readonly TimeSpan _resolution = options.Value.EffectiveLastUsedResolution;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _sessions = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _users = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Records a use at <paramref name="now"/> unless the stored one is recent; the last use known after it.</summary>
    public DateTimeOffset RecordSession(Guid sessionId, DateTimeOffset storedLastUse, DateTimeOffset now) =>
        Record(_sessions, sessionId, storedLastUse, now);

    /// <summary>As <see cref="RecordSession"/>, for a machine user (whose token may never have been used).</summary>
    public DateTimeOffset RecordUser(Guid userId, DateTimeOffset? storedLastUse, DateTimeOffset now) =>
        Record(_users, userId, storedLastUse, now);

    /// <summary>Completes when something is pending.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _wake.Reader.ReadAsync(cancellationToken);

    public IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> TakeSessions() => Take(_sessions);

    public IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> TakeUsers() => Take(_users);

    private DateTimeOffset Record(ConcurrentDictionary<Guid, DateTimeOffset> pending, Guid id, DateTimeOffset? stored, DateTimeOffset now)
    {
        if (stored is { } last && now - last < _resolution)
        {
            return last;
        }

        pending[id] = now;
        _wake.Writer.TryWrite(true);
        return now;
    }

    private static List<KeyValuePair<Guid, DateTimeOffset>> Take(ConcurrentDictionary<Guid, DateTimeOffset> pending)
    {
        var taken = new List<KeyValuePair<Guid, DateTimeOffset>>(pending.Count);
        foreach (var id in pending.Keys)
        {
            if (pending.TryRemove(id, out var at))
            {
                taken.Add(new(id, at));
            }
        }

        return taken;
    }
}
