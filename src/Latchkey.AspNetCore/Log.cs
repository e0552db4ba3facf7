using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore;

/// <summary>Latchkey.AspNetCore's log messages, with stable event ids (1200–1299).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "Password hashing at capacity: {Refused} requests answered 503 in {Window} (expected waits up to {LongestWait}; {InGate} requests hashing or queued, hash time {HashTime})")]
    public static partial void HashingRefusals(ILogger logger, int refused, TimeSpan window, TimeSpan longestWait, int inGate, TimeSpan hashTime);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning,
        Message = "E-mail is not configured: password reset, address verification and invitations answer 503 until Latchkey:PublicBaseUrl and Latchkey:Email:Smtp:Host (or Latchkey:Email:PickupDirectory) are set")]
    public static partial void EmailNotConfigured(ILogger logger);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Information, Message = "E-mail goes over SMTP to {Host}:{Port} ({Security}); links name {PublicBaseUrl}")]
    public static partial void EmailOverSmtp(ILogger logger, string host, int port, string security, string publicBaseUrl);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Information,
        Message = "No SMTP host configured: e-mail is written as .eml files into {PickupDirectory} (links name {PublicBaseUrl})")]
    public static partial void EmailToPickupDirectory(ILogger logger, string pickupDirectory, string publicBaseUrl);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Information,
        Message = "Shutting down: /healthz/ready answers 503 from now on; serving for {DrainDelay} more, then finishing the requests in flight")]
    public static partial void Draining(ILogger logger, TimeSpan drainDelay);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Information, Message = "Leak report of {Reports} credentials: {Revoked} live ones revoked")]
    public static partial void LeaksReported(ILogger logger, int reports, int revoked);

    [LoggerMessage(EventId = 1222, Level = LogLevel.Warning, Message = "Could not count the machine tokens expiring soon for the metrics")]
    public static partial void ExpiringTokensNotCounted(ILogger logger, Exception exception);
    [LoggerMessage(EventId = 1230, Level = LogLevel.Information, Message = "Sign-up refused: the login \"{Login}\" is taken (409)")]
    public static partial void SignupLoginTaken(ILogger logger, string login);
    [LoggerMessage(EventId = 1232, Level = LogLevel.Debug, Message = "Credential refused: {Reason}")]
    public static partial void CredentialRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1233, Level = LogLevel.Information, Message = "{Refused} credentials refused in {Window}: {Reasons}")]
    public static partial void CredentialRefusals(ILogger logger, int refused, TimeSpan window, string reasons);

    [LoggerMessage(EventId = 1240, Level = LogLevel.Error,
        Message = "The endpoint names the rate-limit policy {Policy}, which Latchkey:RateLimits:Policies does not define; answered 503")]
    public static partial void RateLimitPolicyMissing(ILogger logger, string policy);
}
