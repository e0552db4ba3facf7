using System.Text;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

/// <summary>
/// Records security events in their tenant's audit log, stamped with the time and the request's origin. State-changing
/// calls write their entry before they answer; the per-request authentication path writes none.
/// </summary>
internal sealed class AuditLog(IAuditStore store, AuditQueue queue, IRequestOrigin origin, TimeProvider time)
{
    public const int DefaultPageSize = 50;

    /// <summary>The most entries one CSV export holds (<c>GET /v1/audit/export</c>); a narrower filter reaches older ones.</summary>
    public const int ExportCap = 10_000;

    /// <summary>An entry for <paramref name="eventName"/>; <paramref name="appId"/> defaults to the caller's app instance.</summary>
    public AuditEntry Create(
        string eventName, Guid tenantId, Guid? actorUserId, Guid? subjectUserId, string? detail = null, string? appId = null,
        string? operatorName = null)
    {
        var now = time.GetUtcNow();
        return new AuditEntry
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenantId,
            At = now,
            Event = eventName,
            ActorUserId = actorUserId,
            SubjectUserId = subjectUserId,
            AppId = Cap(appId ?? origin.AppId, AuditEntry.MaxAppIdLength),
            IpAddress = Cap(origin.IpAddress, AuditEntry.MaxIpAddressLength),
            Detail = Cap(detail, AuditEntry.MaxDetailLength),
            Operator = Cap(operatorName, AuditEntry.MaxOperatorLength),
        };
    }

    /// <summary>Records what <paramref name="actor"/> did to <paramref name="subjectUserId"/>, in the actor's tenant.</summary>
    public Task RecordAsync(
        AuthenticatedCaller actor, string eventName, Guid? subjectUserId, string? detail, CancellationToken cancellationToken) =>
        store.AppendAsync([Create(actor, eventName, subjectUserId, detail)], cancellationToken);

    /// <summary>An entry of what <paramref name="actor"/> did: an operator is named as such, never as a user.</summary>
    public AuditEntry Create(AuthenticatedCaller actor, string eventName, Guid? subjectUserId, string? detail) =>
        Create(eventName, actor.TenantId, actor.Operator is null ? actor.UserId : null, subjectUserId, detail, operatorName: actor.Operator);

    public Task RecordAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken) =>
        store.AppendAsync(entries, cancellationToken);

    /// <summary>
    /// A page of the caller's tenant's log, newest first, older than <paramref name="before"/> when given and of the
    /// event <paramref name="eventName"/> only when given; the cursor of the next page is null on the last one.
    /// </summary>
    public Task<Page<AuditEntry>> ListAsync(
        AuthenticatedCaller caller, string? eventName, PageRequest page, CancellationToken cancellationToken) =>
        ListAsync(caller, new AuditFilter(eventName), page, cancellationToken);

    /// <summary>As above, the entries that match <paramref name="filter"/>.</summary>
    public async Task<Page<AuditEntry>> ListAsync(
        AuthenticatedCaller caller, AuditFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var probe = page.Probe;
        var entries = await store.ListAsync(caller.TenantId, filter, probe.Before, probe.Limit, cancellationToken);
        return Page<AuditEntry>.Cut(entries, page, e => e.Id);
    }

    /// <summary>
    /// Every entry of the caller's tenant that matches <paramref name="filter"/>, newest first, at most
    /// <paramref name="cap"/>, read in pages of <see cref="PageRequest.MaxLimit"/> so that an export is streamed, never
    /// held in memory whole.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<AuditEntry>> ExportAsync(
        AuthenticatedCaller caller, AuditFilter filter, int cap,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Guid? before = null;
        var left = cap;
        while (left > 0)
        {
            var entries = await store.ListAsync(caller.TenantId, filter, before, Math.Min(left, PageRequest.MaxLimit), cancellationToken);
            if (entries.Count == 0)
            {
                yield break;
            }

            yield return entries;
            left -= entries.Count;
            before = entries[^1].Id;
        }
    }

    /// <summary>The names of the devices (app instances) the entries name, where a live session still names them.</summary>
    public Task<IReadOnlyDictionary<string, string>> AppNamesAsync(
        AuthenticatedCaller caller, IEnumerable<AuditEntry> entries, CancellationToken cancellationToken) =>
        store.AppNamesAsync(caller.TenantId, entries.Select(e => e.AppId).OfType<string>().Distinct(StringComparer.Ordinal).ToList(), cancellationToken);

    /// <summary>Records the entry in the background, off the response path (see <see cref="AuditQueue"/>).</summary>
    public void RecordLater(AuditEntry entry) => queue.Enqueue(entry);

    // Note: details may quote client-supplied text (a machine user's name); it is capped and stripped of control
    // characters so that an entry stays short and cannot forge lines in an export.
    private static string? Cap(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength));
        foreach (var rune in text.EnumerateRunes())
        {
            if (builder.Length + rune.Utf16SequenceLength > maxLength)
            {
                break;
            }

            if (Rune.IsControl(rune))
            {
                builder.Append('?');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }
}
