using Microsoft.Extensions.Logging;

namespace Latchkey.Core;

/// <summary>Latchkey.Core's log messages, with stable event ids (1100–1199). No message carries a token or an address.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "E-mail {MessageId} ({Kind}) delivered after {Attempts} attempt(s)")]
    public static partial void EmailSent(ILogger logger, Guid messageId, string kind, int attempts);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "E-mail {MessageId} ({Kind}) not delivered (attempt {Attempts}); next attempt at {NextAttempt}: {Error}")]
    public static partial void EmailRetry(ILogger logger, Guid messageId, string kind, int attempts, DateTimeOffset nextAttempt, string error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "E-mail {MessageId} ({Kind}) given up after {Attempts} attempts: {Error}")]
    public static partial void EmailGaveUp(ILogger logger, Guid messageId, string kind, int attempts, string error);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "{Count} queued e-mails expired unsent (their links had lapsed)")]
    public static partial void EmailsExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Password reset requested for user {UserId}: {Outcome}")]
    public static partial void PasswordResetRequest(ILogger logger, Guid? userId, string outcome);
}
