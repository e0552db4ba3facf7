using Latchkey.Core.Credentials;
using Latchkey.Core.Credentials.Imported;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Email;
using Latchkey.Core.Jwt;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Latchkey.Core;

/// <summary>Composes Latchkey's core without any host: options and services, no HTTP and no storage.</summary>
public static class LatchkeyCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers Latchkey's options (bound from <c>Latchkey:Sessions</c>, <c>Latchkey:Passwords</c>,
    /// <c>Latchkey:Registration</c>, <c>Latchkey:Lockout</c> and <c>Latchkey:Hashing</c>, validated at start-up) and its
    /// services. Add a storage provider beside it (<c>AddLatchkeySqlite</c> or <c>AddLatchkeyPostgres</c>).
    /// </summary>
    public static IServiceCollection AddLatchkeyCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LatchkeySessionOptions>().Bind(configuration.GetSection(LatchkeySessionOptions.Section))
            .Validate(o => o.AbsoluteLifetime > TimeSpan.Zero, "Latchkey:Sessions:AbsoluteLifetime must be positive.")
            .Validate(o => o.IdleTimeout > TimeSpan.Zero, "Latchkey:Sessions:IdleTimeout must be positive.")
            .Validate(o => o.LastUsedResolution > TimeSpan.Zero, "Latchkey:Sessions:LastUsedResolution must be positive.")
            .Validate(o => o.CleanupInterval > TimeSpan.Zero, "Latchkey:Sessions:CleanupInterval must be positive.")
            .Validate(o => o.CleanupBatchSize > 0, "Latchkey:Sessions:CleanupBatchSize must be at least 1.")
            .Validate(o => o.TombstoneLifetime > TimeSpan.Zero, "Latchkey:Sessions:TombstoneLifetime must be positive.")
            .Validate(o => o.MaxPerUser is >= 1 and <= LatchkeySessionOptions.MaxPerUserLimit,
                $"Latchkey:Sessions:MaxPerUser must be 1 to {LatchkeySessionOptions.MaxPerUserLimit}.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyPasswordOptions>().Bind(configuration.GetSection(LatchkeyPasswordOptions.Section))
            .Validate(o => o.MinLength >= 8, "Latchkey:Passwords:MinLength must be at least 8 (NIST SP 800-63B-4).")
            .Validate(o => o.MaxLength >= 64 && o.MaxLength >= o.MinLength,
                "Latchkey:Passwords:MaxLength must be at least 64 and at least MinLength (NIST SP 800-63B-4).")
            .Validate(o => o.Argon2Iterations >= 1, "Latchkey:Passwords:Argon2Iterations must be at least 1.")
            .Validate(o => o.Argon2MemoryKiB >= 8, "Latchkey:Passwords:Argon2MemoryKiB must be at least 8.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyMfaOptions>().Bind(configuration.GetSection(LatchkeyMfaOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Issuer) && !o.Issuer.Contains(':'),
                "Latchkey:Mfa:Issuer must be a non-empty name without ':' (it is the otpauth URI's label prefix).")
            .ValidateOnStart();
        services.AddOptions<LatchkeyStepUpOptions>().Bind(configuration.GetSection(LatchkeyStepUpOptions.Section))
            .Validate(o => o.MaxAge >= TimeSpan.FromSeconds(1), "Latchkey:StepUp:MaxAge must be at least 1 second.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyRegistrationOptions>().Bind(configuration.GetSection(LatchkeyRegistrationOptions.Section));
        services.AddOptions<LatchkeyLockoutOptions>().Bind(configuration.GetSection(LatchkeyLockoutOptions.Section))
            .Validate(o => o.FreeAttempts >= 1, "Latchkey:Lockout:FreeAttempts must be at least 1.")
            .Validate(o => o.BaseDelay > TimeSpan.Zero && o.MaxDelay >= o.BaseDelay,
                "Latchkey:Lockout:BaseDelay must be positive and Latchkey:Lockout:MaxDelay at least BaseDelay.")
            .Validate(o => o.MaxFailures > o.FreeAttempts && o.MaxFailures <= 100,
                "Latchkey:Lockout:MaxFailures must exceed FreeAttempts and be at most 100 (NIST SP 800-63B-4 §3.2.2).")
            .Validate(o => o.ForgetAfter > TimeSpan.Zero, "Latchkey:Lockout:ForgetAfter must be positive.")
            .Validate(o => string.IsNullOrEmpty(o.LoginDigestKey) || IsKey(o.LoginDigestKey),
                "Latchkey:Lockout:LoginDigestKey must be base64 of at least 32 bytes (e.g. `openssl rand -base64 32`).")
            .ValidateOnStart();
        services.AddOptions<LatchkeyHashingOptions>().Bind(configuration.GetSection(LatchkeyHashingOptions.Section))
            .Validate(o => o.MaxConcurrency >= 1, "Latchkey:Hashing:MaxConcurrency must be at least 1.")
            .Validate(o => o.QueueTimeout > TimeSpan.Zero, "Latchkey:Hashing:QueueTimeout must be positive.")
            // Note: a queued login waits at most twice the queue timeout; its attempt must not look abandoned to the
            // per-login throttle meanwhile, or a concurrent correct login could be refused for it.
            .Validate(o => (o.QueueTimeout * 2) + TimeSpan.FromSeconds(5) <= LoginThrottle.AbandonedAfter,
                $"Latchkey:Hashing:QueueTimeout must be at most {((LoginThrottle.AbandonedAfter - TimeSpan.FromSeconds(5)) / 2).TotalSeconds} seconds.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyCredentialCacheOptions>().Bind(configuration.GetSection(LatchkeyCredentialCacheOptions.Section))
            .Validate(o => o.MaxEntries >= 0, "Latchkey:CredentialCache:MaxEntries must not be negative.")
            .Validate(o => o.Lease >= TimeSpan.FromMilliseconds(200) && o.Lease <= TimeSpan.FromSeconds(30),
                "Latchkey:CredentialCache:Lease must be 0.2 to 30 seconds.")
            .ValidateOnStart();

        services.AddOptions<LatchkeyJwtOptions>().Bind(configuration.GetSection(LatchkeyJwtOptions.Section))
            .Validate(o => o.Lifetime >= TimeSpan.FromSeconds(10) && o.Lifetime <= TimeSpan.FromHours(1),
                "Latchkey:Jwt:Lifetime must be 10 seconds to 1 hour (a JWT cannot be revoked before it expires).")
            .Validate(o => o.KeyLifetime >= TimeSpan.FromHours(1) && o.KeyLifetime >= o.Lifetime * 2,
                "Latchkey:Jwt:KeyLifetime must be at least 1 hour and at least twice Latchkey:Jwt:Lifetime.")
            .Validate(o => o.Audiences.All(a => !string.IsNullOrWhiteSpace(a) && a.Length <= 256),
                "Latchkey:Jwt:Audiences must list non-empty audience names of at most 256 characters.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        // Note: a host that knows where calls come from (the ASP.NET Core layer) registers its own first.
        services.TryAddSingleton<IRequestOrigin, NoRequestOrigin>();
        services.AddSingleton<Argon2idPasswordHasher>();

        // Note: the instruments exist in every composition; only a host that adds an exporter listens to them.
        services.AddMetrics();
        services.TryAddSingleton<LatchkeyMetrics>();

        // Note: Argon2id for every new hash; imported foreign hashes are verified until their user's next login.
        services.AddSingleton<IPasswordHasher, ImportedHashVerifier>();
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<HashingGate>();
        services.AddSingleton<PasswordService>();
        services.AddScoped<LoginThrottle>();
        services.AddSingleton<LoginThrottleSignals>();

        // Note: a provider whose database has a clock of its own (PostgreSQL) registers it, before or after this.
        services.TryAddSingleton<IDatabaseClock, ProcessClock>();
        services.AddSingleton<LastUseRecorder>();
        services.AddSingleton<CredentialValidator>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddSingleton<TombstoneMisses>();
        services.TryAddSingleton<UnknownCredentials>();
        services.TryAddSingleton<CredentialReads>();
        services.TryAddSingleton<UnheardChangeWaits>();
        services.AddScoped<SessionService>();
        services.AddScoped<AccountService>();
        services.AddScoped<FactorChecks>();
        services.AddScoped<SecondFactorService>();
        services.AddScoped<MfaLoginService>();
        services.AddScoped<PasskeyService>();
        services.AddSingleton<PasskeyRelyingParty>();
        services.AddScoped<MachineUserService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<TenantService>();
        services.AddScoped<TenantPolicyService>();
        services.AddScoped<AuditLog>();
        services.AddScoped<UserImportService>();
        services.AddSingleton<ExpiryPurge>();
        services.AddSingleton<LeakReportService>();
        services.AddSingleton<AuditQueue>();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<JwtIssuer>();
        services.AddLatchkeyEmail(configuration);
        return services;
    }

    private static bool IsKey(string base64)
    {
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var length) && length >= 32;
    }

    /// <summary>The origin of calls made outside any request (a command-line tool, a job): unknown.</summary>
    private sealed class NoRequestOrigin : IRequestOrigin
    {
        public string? IpAddress => null;

        public string? AppId => null;
    }
}
