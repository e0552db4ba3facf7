using Microsoft.Extensions.Logging;

namespace Latchkey.Core;

/// <summary>Latchkey.Core's log messages, with stable event ids (1300–1399).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "A stored {Format} password hash is above the import cost limits ({Reason}): it fails like a wrong password, whatever was typed, until an owner or admin resets that user's password. Logged once per process.")]
    public static partial void ImportedHashAboveLimits(ILogger logger, string format, string reason);
}
