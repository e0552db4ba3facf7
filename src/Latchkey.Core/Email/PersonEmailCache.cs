using System.Collections.Concurrent;
using Latchkey.Core.Model;

namespace Latchkey.Core.Email;

/// <summary>
/// People's addresses as <c>GET /v1/me</c> shows them, kept for <see cref="Lifetime"/> so that <c>/v1/me</c> stays a
/// request that the verified-credential cache answers without a database access. Filled at login and on a miss;
/// forgotten here when this instance verifies an address. Note: another instance may show the old value for up to
/// <see cref="Lifetime"/>; nothing security-relevant reads it (mail goes by the stored row).
/// </summary>
internal sealed class PersonEmailCache(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    public void Remember(User user)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[user.Id] = new Entry(user.Email, user.EmailVerified, time.GetUtcNow());
    }

    public bool TryGet(Guid userId, out string? email, out bool verified)
    {
        if (_entries.TryGetValue(userId, out var entry) && time.GetUtcNow() - entry.At < Lifetime)
        {
            (email, verified) = (entry.Email, entry.Verified);
            return true;
        }

        (email, verified) = (null, false);
        return false;
    }

    public void Forget(Guid userId) => _entries.TryRemove(userId, out _);

    private sealed record Entry(string? Email, bool Verified, DateTimeOffset At);
}
