using Latchkey.Core.Model;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Email;

/// <summary>
/// The notices a person gets when something changes on their account, queued inside the caller's unit of work (so in
/// the same transaction as their cause) and only to a verified address. Each says what to do if it was not them.
/// </summary>
internal sealed class SecurityNotices(
    EmailOutbox outbox, Stores.IEmailTokenStore store, IOptions<LatchkeyEmailOptions> options, TimeProvider time)
{
    /// <summary>How a password was changed, as the notice says it.</summary>
    public static class How
    {
        public const string ByThem = "by you, with your current password";
        public const string ByReset = "through a password-reset link";
        public const string ByAdmin = "by an administrator";
    }

    public Task PasswordChangedAsync(User user, string? tenantName, string how, CancellationToken cancellationToken) =>
        QueueAsync(user, tenantName, EmailTemplateNames.PasswordChanged, new Dictionary<string, string> { ["how"] = how }, cancellationToken);

    /// <summary>Queued by the throttle in the transaction of the failure that locked the login (once per lock).</summary>
    public Task AccountLockedAsync(User user, string? tenantName, CancellationToken cancellationToken) =>
        QueueAsync(user, tenantName, EmailTemplateNames.AccountLocked, new Dictionary<string, string>(), cancellationToken);

    /// <summary>
    /// Before a login opens its session (inside its transaction): a notice when the person has no session from this app
    /// instance yet. Costs nothing for a person without a verified address.
    /// </summary>
    public async Task NewDeviceAsync(User user, string appId, string? appName, string? ipAddress, CancellationToken cancellationToken)
    {
        if (!options.Value.NewDeviceNotice || !Wanted(user) || await store.HasSessionFromAsync(user.Id, appId, cancellationToken))
        {
            return;
        }

        await QueueAsync(user, null, EmailTemplateNames.NewDevice,
            new Dictionary<string, string> { ["appName"] = appName ?? appId, ["address"] = ipAddress ?? "an unknown address" }, cancellationToken);
    }

    /// <summary>After the commit that queued a notice: send it now rather than at the next poll.</summary>
    public void Wake() => outbox.Wake();

    private bool Wanted(User user) => user is { Kind: UserKind.Human, EmailVerified: true, Email: not null } && outbox.IsConfigured;

    /// <summary>
    /// To every owner of the tenant with a verified address: a credential of theirs was reported leaked and revoked.
    /// Note: the notice names the kind of credential, where it was found and by whom, never the token.
    /// </summary>
    public async Task CredentialLeakedAsync(Guid tenantId, string credential, string url, string source, CancellationToken cancellationToken)
    {
        if (!outbox.IsConfigured)
        {
            return;
        }

        var tenantName = await store.FindTenantNameAsync(tenantId, cancellationToken);
        var at = time.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var owner in await store.FindOwnerAddressesAsync(tenantId, cancellationToken))
        {
            await outbox.QueueAsync(EmailTemplateNames.CredentialLeaked, owner, tenantName, new Dictionary<string, string>
            {
                ["credential"] = credential, ["url"] = url, ["source"] = source, ["time"] = at,
            }, EmailOutbox.NoticeLifetime, cancellationToken);
        }
    }

    /// <summary>To the old address: the person asked to move to <paramref name="newEmail"/>.</summary>
    public Task EmailChangingAsync(User user, string? tenantName, string newEmail, CancellationToken cancellationToken) =>
        QueueAsync(user, tenantName, EmailTemplateNames.EmailChanged, new Dictionary<string, string> { ["newEmail"] = newEmail }, cancellationToken);

    private async Task QueueAsync(User user, string? tenantName, string template, Dictionary<string, string> values, CancellationToken cancellationToken)
    {
        if (!Wanted(user))
        {
            return;
        }

        values["time"] = time.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        tenantName ??= await store.FindTenantNameAsync(user.TenantId, cancellationToken);
        await outbox.QueueAsync(template, user.Email!, tenantName, values, EmailOutbox.NoticeLifetime, cancellationToken);
    }
}
