using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Latchkey.Core.Email;

/// <summary>The e-mail part of Core: options, templates, the outbox, the flows that mail. Transport and encryption are the host's.</summary>
internal static class EmailServiceCollectionExtensions
{
    public static IServiceCollection AddLatchkeyEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LatchkeyEmailOptions>().Bind(configuration.GetSection(LatchkeyEmailOptions.Section))
            .Configure(o => o.PublicBaseUrl ??= configuration[LatchkeyEmailOptions.PublicBaseUrlKey])
            .Validate(o => EmailConfiguration.IsValidBaseUrl(o.PublicBaseUrl),
                "Latchkey:PublicBaseUrl must be an absolute http(s) URL without query or fragment, e.g. https://auth.example.com.")
            .Validate(o => EmailConfiguration.IsValidFrom(o.From),
                "Latchkey:Email:From must be one e-mail address, optionally with a name: Example <no-reply@example.com>.")
            .Validate(o => o.Smtp.Port is > 0 and <= 65535, "Latchkey:Email:Smtp:Port must be 1 to 65535.")
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.RetryBaseDelay > TimeSpan.Zero && o.GiveUpAfter >= o.RetryBaseDelay,
                "Latchkey:Email:PollInterval and RetryBaseDelay must be positive, GiveUpAfter at least RetryBaseDelay.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ProductName) && !o.ProductName.Any(char.IsControl),
                "Latchkey:Email:ProductName must be printable text.")
            .Validate(o => o.ReadyMaxOutboxAge == TimeSpan.Zero || o.ReadyMaxOutboxAge > o.PollInterval,
                "Latchkey:Email:ReadyMaxOutboxAge must be 0 (not checked) or longer than Latchkey:Email:PollInterval.")
            .ValidateOnStart();
        services.TryAddSingleton<EmailTemplates>();
        services.TryAddSingleton<EmailSenderSignal>();
        services.TryAddSingleton<EmailMetrics>();
        services.TryAddSingleton<PasswordResetSignal>();
        services.TryAddSingleton<PersonEmailCache>();
        services.TryAddScoped<EmailOutbox>();
        services.TryAddScoped<EmailDelivery>();
        services.TryAddScoped<SecurityNotices>();
        services.TryAddScoped<EmailAddressService>();
        services.TryAddScoped<PasswordResetService>();
        services.TryAddScoped<InvitationService>();
        return services;
    }
}
