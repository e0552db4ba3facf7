using System.Collections.Concurrent;

namespace Latchkey.Core.Credentials;

/// <summary>
/// The bounded negative cache of the request path: public parts that the database has just said no credential has,
/// so that a client repeating a well-formed but unknown token costs one read per <see cref="Lifetime"/>, not one per
/// request.
/// </summary>
/// <remarks>
/// An entry is good only while nothing has changed since its read: it carries the <see cref="CredentialCache"/> stamp
/// taken before that read, and any change this instance applies (its own, or another instance's heard through the change
/// feed) moves the stamp on and so drops every entry. The caller asks it only while the feed is current, like the cache.
/// Note: that is more than a new credential needs. A public part is 128 random bits drawn by the server when it issues
/// the credential (an API key's key id, a machine user's login), so none can be presented before it exists; an entry
/// would otherwise only ever describe a credential that never was or has ended.
/// </remarks>
internal sealed class UnknownCredentials(TimeProvider time)
{
    /// <summary>Entries kept at most per kind; past it the set starts afresh (a repeat then costs one read again).</summary>
    public const int Capacity = 10_000;

    /// <summary>How long an entry is kept at most, whatever happens.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _apiKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _machineTokens = new(StringComparer.Ordinal);
    private readonly long _lifetimeTicks = (long)(Lifetime.TotalSeconds * time.TimestampFrequency);

    /// <summary>Whether <paramref name="publicPart"/> was read as unknown with no change since (<paramref name="stamp"/> is now's).</summary>
    public bool Contains(TokenKind kind, string publicPart, long stamp)
    {
        var set = Of(kind);
        if (set.IsEmpty || !set.TryGetValue(publicPart, out var entry))
        {
            return false;
        }

        if (entry.Stamp == stamp && time.GetTimestamp() < entry.Until)
        {
            return true;
        }

        set.TryRemove(KeyValuePair.Create(publicPart, entry));
        return false;
    }

    /// <summary>Remembers that the read stamped <paramref name="stamp"/> found no credential with <paramref name="publicPart"/>.</summary>
    public void Add(TokenKind kind, string publicPart, long stamp)
    {
        var set = Of(kind);
        if (set.Count >= Capacity)
        {
            set.Clear();
        }

        set[publicPart] = new Entry(stamp, time.GetTimestamp() + _lifetimeTicks);
    }

    public int Count => _apiKeys.Count + _machineTokens.Count;

    private ConcurrentDictionary<string, Entry> Of(TokenKind kind) => kind == TokenKind.ApiKey ? _apiKeys : _machineTokens;

    private readonly record struct Entry(long Stamp, long Until);
}
