using Latchkey.Core.Email;
using Latchkey.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Email;

/// <summary>What the host adds for e-mail: defaults by environment, the transport, encryption, the sender, the health check.</summary>
internal static class EmailHosting
{
    public const string DevelopmentBaseUrl = "http://localhost:5080";

    public static IServiceCollection AddLatchkeyEmailDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IPostConfigureOptions<LatchkeyEmailOptions>>(sp => new PostConfigureOptions<LatchkeyEmailOptions>(null, options =>
        {
            // Note: outside Production, `dotnet run` on a fresh machine mails into a directory a developer can open.
            if (sp.GetService<IHostEnvironment>() is { } environment && !environment.IsProduction())
            {
                options.PublicBaseUrl ??= DevelopmentBaseUrl;
                if (string.IsNullOrEmpty(options.Smtp.Host) && string.IsNullOrEmpty(options.PickupDirectory))
                {
                    options.PickupDirectory = DefaultPickupDirectory(configuration);
                }
            }
        }));
        services.AddSingleton<IEmailTransport>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LatchkeyEmailOptions>>().Value;
            return !string.IsNullOrEmpty(options.Smtp.Host) ? new SmtpEmailTransport(sp.GetRequiredService<IOptions<LatchkeyEmailOptions>>())
                : !string.IsNullOrEmpty(options.PickupDirectory) ? new PickupDirectoryEmailTransport(sp.GetRequiredService<IOptions<LatchkeyEmailOptions>>(), sp.GetRequiredService<TimeProvider>())
                : new UnconfiguredEmailTransport();
        });
        services.AddHostedService<EmailStartupLog>();
        services.AddHostedService<EmailSender>();
        services.AddHostedService<PasswordResetWorker>();
        services.AddHealthChecks().AddCheck<EmailHealthCheck>("email");
        return services;
    }

    /// <summary><c>mail/</c> beside the SQLite file, else in the working directory.</summary>
    private static string DefaultPickupDirectory(IConfiguration configuration)
    {
        var provider = configuration["Latchkey:Storage:Provider"] ?? "sqlite";
        var connection = configuration.GetConnectionString("Latchkey");
        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var file = new SqliteConnectionStringBuilder(connection is { Length: > 0 } ? connection : "Data Source=latchkey.db").DataSource;
            if (!string.IsNullOrEmpty(file) && file != ":memory:")
            {
                return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "mail");
            }
        }

        return Path.GetFullPath("mail");
    }

    /// <summary>Says once, at start-up, where mail goes (or that it goes nowhere).</summary>
    private sealed class EmailStartupLog(IOptions<LatchkeyEmailOptions> options, ILogger<EmailStartupLog> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var email = options.Value;
            if (!EmailConfiguration.IsConfigured(email))
            {
                Log.EmailNotConfigured(logger);
            }
            else if (!string.IsNullOrEmpty(email.Smtp.Host))
            {
                Log.EmailOverSmtp(logger, email.Smtp.Host, email.Smtp.Port, email.Smtp.Security.ToString(), email.PublicBaseUrl!);
            }
            else
            {
                Log.EmailToPickupDirectory(logger, Path.GetFullPath(email.PickupDirectory!), email.PublicBaseUrl!);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Degraded (not unhealthy: sign-in works) when e-mail cannot be delivered.</summary>
    private sealed class EmailHealthCheck(IOptions<LatchkeyEmailOptions> options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(EmailConfiguration.IsConfigured(options.Value)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Degraded("E-mail is not configured (Latchkey:PublicBaseUrl and Latchkey:Email:Smtp:Host or PickupDirectory)."));
    }
}
