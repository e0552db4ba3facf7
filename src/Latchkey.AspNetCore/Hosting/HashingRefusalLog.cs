using Latchkey.Core.Credentials;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// One warning per burst of hashing refusals rather than one per refused request: a burst is what an operator needs
/// to see, and a log line per request would add work exactly when the server is busiest. The first refusal opens a
/// window of <see cref="Window"/>; the line is written when it closes, with the count and the longest expected wait.
/// </summary>
internal sealed class HashingRefusalLog(HashingGate gate, TimeProvider time, ILogger<HashingRefusalLog> logger) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private ITimer? _timer;
    private int _refused;
    private TimeSpan _longestWait;

    public void Record(TimeSpan expectedWait)
    {
        lock (_lock)
        {
            _refused++;
            if (expectedWait > _longestWait)
            {
                _longestWait = expectedWait;
            }

            _timer ??= time.CreateTimer(_ => Flush(), null, Window, Timeout.InfiniteTimeSpan);
        }
    }

    private void Flush()
    {
        int refused;
        TimeSpan longestWait;
        lock (_lock)
        {
            (refused, longestWait) = (_refused, _longestWait);
            (_refused, _longestWait) = (0, TimeSpan.Zero);
            _timer?.Dispose();
            _timer = null;
        }

        Log.HashingRefusals(logger, refused, Window, longestWait, gate.InGate, gate.HashTime);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
        }
    }
}
