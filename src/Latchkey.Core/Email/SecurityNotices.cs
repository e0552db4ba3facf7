using Latchkey.Core.Model;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Email;

/// <summary>
/// The notices a person gets when something changes on their account, queued inside the caller's unit of work (so in
/// the same transaction as their cause) and only to a verified address. Each says what to do if it was not them.
/// </summary>
internal sealed class SecurityNotices(EmailOutbox outbox, IOptions<LatchkeyEmailOptions> options, TimeProvider time)
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

    public Task AccountLockedAsync(User user, string? tenantName, CancellationToken cancellationToken) =>
        QueueAsync(user, tenantName, EmailTemplateNames.AccountLocked, new Dictionary<string, string>(), cancellationToken);

    public Task NewDeviceAsync(User user, string? tenantName, string appName, string? ipAddress, CancellationToken cancellationToken) =>
        options.Value.NewDeviceNotice
            ? QueueAsync(user, tenantName, EmailTemplateNames.NewDevice,
                new Dictionary<string, string> { ["appName"] = appName, ["address"] = ipAddress ?? "an unknown address" }, cancellationToken)
            : Task.CompletedTask;

    /// <summary>To the old address: the person asked to move to <paramref name="newEmail"/>.</summary>
    public Task EmailChangingAsync(User user, string? tenantName, string newEmail, CancellationToken cancellationToken) =>
        QueueAsync(user, tenantName, EmailTemplateNames.EmailChanged, new Dictionary<string, string> { ["newEmail"] = newEmail }, cancellationToken);

    private Task QueueAsync(User user, string? tenantName, string template, Dictionary<string, string> values, CancellationToken cancellationToken)
    {
        if (user is not { Kind: UserKind.Human, EmailVerified: true, Email: { } email } || !outbox.IsConfigured)
        {
            return Task.CompletedTask;
        }

        values["time"] = time.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        return outbox.QueueAsync(template, email, tenantName, values, EmailOutbox.NoticeLifetime, cancellationToken);
    }
}
