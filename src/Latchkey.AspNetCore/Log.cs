using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore;

/// <summary>Latchkey.AspNetCore's log messages, with stable event ids (1200–1299).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "Password hashing at capacity: {Refused} requests answered 503 in {Window} (expected waits up to {LongestWait}; {InGate} requests hashing or queued, hash time {HashTime})")]
    public static partial void HashingRefusals(ILogger logger, int refused, TimeSpan window, TimeSpan longestWait, int inGate, TimeSpan hashTime);
}
