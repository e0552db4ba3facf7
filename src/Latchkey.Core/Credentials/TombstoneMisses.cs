using System.Collections.Concurrent;

namespace Latchkey.Core.Credentials;

/// <summary>
/// The bounded negative cache in front of the tombstones: well-formed credentials that were refused and had no
/// tombstone, so that a client (or an attacker) repeating such a token costs one tombstone read, not one per request.
/// Note: an entry never goes stale. It is keyed by the public part and the secret's digest together, and a credential
/// that had no tombstone when it was refused as unknown never gets one later: a credential is buried in the transaction
/// that ends it, and a live one is never refused as unknown.
/// </summary>
internal sealed class TombstoneMisses
{
    /// <summary>Entries kept at most; past it the set starts afresh (a miss then costs one read again).</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, byte> _misses = new(StringComparer.Ordinal);

    public bool Contains(ParsedToken parsed) => _misses.ContainsKey(KeyOf(parsed));

    public void Add(ParsedToken parsed)
    {
        if (_misses.Count >= Capacity)
        {
            _misses.Clear();
        }

        _misses.TryAdd(KeyOf(parsed), 0);
    }

    public int Count => _misses.Count;

    private static string KeyOf(ParsedToken parsed) => string.Concat(parsed.PublicPart, ":", Convert.ToBase64String(parsed.SecretDigest));
}
