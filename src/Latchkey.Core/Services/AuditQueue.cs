using System.Threading.Channels;
using Latchkey.Core.Model;

namespace Latchkey.Core.Services;

/// <summary>
/// Audit entries written off the response path, by a background writer. Only failed logins go this way: writing them
/// while answering would make a wrong password for an existing login slower than an unknown login, which is not
/// recorded, and so tell which logins exist.
/// </summary>
internal sealed class AuditQueue
{
    /// <summary>Entries held at most; beyond it (a flood of failed logins outrunning storage) entries are dropped and counted.</summary>
    public const int Capacity = 10_000;

    private readonly Channel<AuditEntry> _entries = Channel.CreateBounded<AuditEntry>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private long _dropped;

    public void Enqueue(AuditEntry entry)
    {
        if (!_entries.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Completes when an entry is pending.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _entries.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Up to <paramref name="max"/> pending entries, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Take(int max)
    {
        var taken = new List<AuditEntry>();
        while (taken.Count < max && _entries.Reader.TryRead(out var entry))
        {
            taken.Add(entry);
        }

        return taken;
    }

    /// <summary>How many entries were dropped since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);
}
