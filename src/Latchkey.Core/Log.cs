using Microsoft.Extensions.Logging;

namespace Latchkey.Core;

/// <summary>Latchkey.Core's log messages, with stable event ids (1300–1399). No message carries a token, a password hash or an address.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "A stored {Format} password hash is above the import cost limits ({Reason}): it fails like a wrong password, whatever was typed, until an owner or admin resets that user's password. Logged once per process.")]
    public static partial void ImportedHashAboveLimits(ILogger logger, string format, string reason);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Information, Message = "E-mail {MessageId} ({Kind}) delivered after {Attempts} attempt(s)")]
    public static partial void EmailSent(ILogger logger, Guid messageId, string kind, int attempts);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Warning, Message = "E-mail {MessageId} ({Kind}) not delivered (attempt {Attempts}); next attempt at {NextAttempt}: {Error}")]
    public static partial void EmailRetry(ILogger logger, Guid messageId, string kind, int attempts, DateTimeOffset nextAttempt, string error);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Error, Message = "E-mail {MessageId} ({Kind}) given up after {Attempts} attempts: {Error}")]
    public static partial void EmailGaveUp(ILogger logger, Guid messageId, string kind, int attempts, string error);

    [LoggerMessage(EventId = 1314, Level = LogLevel.Warning, Message = "{Count} queued e-mails expired unsent (their links had lapsed)")]
    public static partial void EmailsExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 1315, Level = LogLevel.Information, Message = "Password reset requested for user {UserId}: {Outcome}")]
    public static partial void PasswordResetRequest(ILogger logger, Guid? userId, string outcome);
}
