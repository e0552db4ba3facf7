using Latchkey.Core.Diagnostics;
using Latchkey.Core.Services;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// One Information line per burst of refused credentials rather than one per refused request: under a flood of bad
/// tokens the log itself would be the attack surface (disk, shipping, the operator's attention). Each refusal is logged
/// at Debug; the first opens a window of <see cref="Window"/>, and when it closes one line gives the count per reason.
/// The per-outcome counts stay exact in the <c>latchkey.authentications</c> metric.
/// </summary>
internal sealed class CredentialRefusalLog(TimeProvider time, ILogger<CredentialRefusalLog> logger) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private static readonly CredentialFailure[] Failures = Enum.GetValues<CredentialFailure>();

    private readonly Lock _lock = new();
    private readonly int[] _refused = new int[Failures.Length];
    private ITimer? _timer;

    public void Record(CredentialFailure failure)
    {
        Log.CredentialRefused(logger, LatchkeyMetrics.AuthenticationOutcomes.Of(failure));
        lock (_lock)
        {
            _refused[(int)failure]++;
            _timer ??= time.CreateTimer(static state => ((CredentialRefusalLog)state!).Flush(), this, Window, Timeout.InfiniteTimeSpan);
        }
    }

    private void Flush()
    {
        var counts = new int[_refused.Length];
        lock (_lock)
        {
            _refused.CopyTo(counts, 0);
            Array.Clear(_refused);
            _timer?.Dispose();
            _timer = null;
        }

        var reasons = string.Join(", ", Failures.Where(f => counts[(int)f] > 0)
            .Select(f => $"{LatchkeyMetrics.AuthenticationOutcomes.Of(f)} {counts[(int)f]}"));
        Log.CredentialRefusals(logger, counts.Sum(), Window, reasons);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
        }
    }
}
