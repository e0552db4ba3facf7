using System.Diagnostics.Metrics;

namespace Latchkey.Core.Email;

/// <summary>The outbox's instruments, on the <c>Latchkey</c> meter beside <see cref="Diagnostics.LatchkeyMetrics"/>.</summary>
internal sealed class EmailMetrics
{
    private readonly Counter<long> _sent;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failed;

    public EmailMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Diagnostics.LatchkeyMetrics.MeterName);
        _sent = meter.CreateCounter<long>("latchkey.emails.sent", "{message}", "E-mails delivered from the outbox, by template.");
        _retries = meter.CreateCounter<long>("latchkey.emails.retries", "{attempt}", "Failed attempts to deliver an e-mail that will be retried.");
        _failed = meter.CreateCounter<long>("latchkey.emails.failed", "{message}",
            "E-mails given up (retries exhausted) or dropped unsent (their link expired), by reason.");
    }

    public void Sent(string kind) => _sent.Add(1, new KeyValuePair<string, object?>("template", kind));

    public void Retried() => _retries.Add(1);

    public void Failed(int count, string reason) => _failed.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public static class FailureReasons
    {
        public const string GaveUp = "gave_up";
        public const string Expired = "expired";
    }
}
