using System.Net;

namespace Latchkey.Server;

/// <summary>Latchkey.Server's log messages, with stable event ids (1400–1499).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning,
        Message = "A request for /metrics from {Client} carried X-Forwarded-For (or Forwarded, X-Real-IP) and no proxy is trusted: refused, since a proxy on this machine may be forwarding anyone. Give metrics a listener of their own (Latchkey:Metrics:Urls), or list the proxy in Latchkey:Network:TrustedProxies. Logged once.")]
    public static partial void MetricsRequestForwarded(ILogger logger, IPAddress? client);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "{Migrations}")]
    public static partial void Migrated(ILogger logger, string migrations);
}
