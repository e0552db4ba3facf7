namespace Latchkey.Storage.Stores;

/// <summary>
/// How a batch of last uses is written (by each provider's ICredentialLookup): in the order of the ids, as on every instance (two batches that lock the same
/// rows in different orders deadlock on PostgreSQL), and in short transactions. Several instances record the same busy
/// credentials; with the whole batch in one transaction each waited for another's entire batch, and after a cold start
/// (tens of thousands of first uses) that wait ran past the command timeout, so nothing was recorded and every request
/// of those credentials kept missing the cache (seen in bench/cluster.sh with a million sessions).
/// </summary>
internal static class LastUseBatches
{
    /// <summary>Still one disk flush for many uses on SQLite, and a short lock wait for another instance.</summary>
    public const int RowsPerTransaction = 256;

    public static IEnumerable<KeyValuePair<Guid, DateTimeOffset>[]> InIdOrder(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses) =>
        uses.OrderBy(u => u.Key).Chunk(RowsPerTransaction);
}
