using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Hosting;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore;

/// <summary>Adds Latchkey to an ASP.NET Core application.</summary>
public static class LatchkeyServiceCollectionExtensions
{
    /// <summary>
    /// Registers Latchkey's services, storage (from <c>Latchkey:Storage</c> and <c>ConnectionStrings:Latchkey</c>),
    /// the <see cref="LatchkeyDefaults.AuthenticationScheme"/> scheme as the default, its policies, problem details
    /// and the <c>storage</c> health check. Map the API with <c>MapLatchkeyApi()</c>.
    /// </summary>
    public static IServiceCollection AddLatchkey(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LatchkeySessionOptions>().Bind(configuration.GetSection(LatchkeySessionOptions.Section))
            .Validate(o => o.AbsoluteLifetime > TimeSpan.Zero, "Latchkey:Sessions:AbsoluteLifetime must be positive.")
            .Validate(o => o.IdleTimeout > TimeSpan.Zero, "Latchkey:Sessions:IdleTimeout must be positive.")
            .Validate(o => o.LastUsedResolution > TimeSpan.Zero, "Latchkey:Sessions:LastUsedResolution must be positive.")
            .Validate(o => o.CleanupInterval > TimeSpan.Zero, "Latchkey:Sessions:CleanupInterval must be positive.")
            .Validate(o => o.CleanupBatchSize > 0, "Latchkey:Sessions:CleanupBatchSize must be at least 1.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyPasswordOptions>().Bind(configuration.GetSection(LatchkeyPasswordOptions.Section))
            .Validate(o => o.MinLength >= 8, "Latchkey:Passwords:MinLength must be at least 8 (NIST SP 800-63B-4).")
            .Validate(o => o.MaxLength >= 64 && o.MaxLength >= o.MinLength,
                "Latchkey:Passwords:MaxLength must be at least 64 and at least MinLength (NIST SP 800-63B-4).")
            .Validate(o => o.Argon2Iterations >= 1, "Latchkey:Passwords:Argon2Iterations must be at least 1.")
            .Validate(o => o.Argon2MemoryKiB >= 8, "Latchkey:Passwords:Argon2MemoryKiB must be at least 8.")
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
            .Validate(o => o.QueueLimit >= 0, "Latchkey:Hashing:QueueLimit must not be negative.")
            .Validate(o => o.QueueTimeout > TimeSpan.Zero, "Latchkey:Hashing:QueueTimeout must be positive.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyNetworkOptions>().Bind(configuration.GetSection(LatchkeyNetworkOptions.Section))
            .Validate(o => o.CredentialRequestsPerMinute >= 1, "Latchkey:Network:CredentialRequestsPerMinute must be at least 1.")
            .Validate(o => o.TrustedProxies.All(p => System.Net.IPAddress.TryParse(p, out _)),
                "Latchkey:Network:TrustedProxies must list IP addresses.")
            .ValidateOnStart();
        var storage = configuration.GetSection(LatchkeyStorageOptions.Section).Get<LatchkeyStorageOptions>() ?? new();
        services.AddOptions<LatchkeyStorageOptions>().Bind(configuration.GetSection(LatchkeyStorageOptions.Section));
        services.AddLatchkeyStorage(storage.Provider, configuration.GetConnectionString("Latchkey"));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IPasswordHasher, Argon2idPasswordHasher>();
        services.AddSingleton<PasswordPolicy>();
        services.AddSingleton<HashingGate>();
        services.AddSingleton<PasswordService>();
        services.AddScoped<LoginThrottle>();
        services.AddSingleton<LoginThrottleSignals>();
        services.AddSingleton<LastUseRecorder>();
        services.AddScoped<CredentialValidator>();
        services.AddScoped<SessionService>();
        services.AddScoped<AccountService>();
        services.AddScoped<MachineUserService>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<TenantService>();
        services.AddScoped<AuditLog>();
        services.AddSingleton<AuditQueue>();
        services.AddHttpContextAccessor();
        services.AddSingleton<IRequestOrigin, HttpRequestOrigin>();
        services.AddHostedService<AuditWriter>();
        services.AddHostedService<LastUseWriter>();
        services.AddSingleton<ExpirySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpirySweeper>());

        services.AddAuthentication(LatchkeyDefaults.AuthenticationScheme)
            .AddScheme<LatchkeyAuthenticationOptions, LatchkeyAuthenticationHandler>(LatchkeyDefaults.AuthenticationScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(LatchkeyDefaults.HumanPolicy, p => p.RequireAuthenticatedUser().RequireClaim(LatchkeyClaimTypes.Kind, "human"))
            .AddPolicy(LatchkeyDefaults.TenantAdminPolicy, p => p.RequireAuthenticatedUser()
                .RequireClaim(LatchkeyClaimTypes.Kind, "human")
                .RequireRole(TenantRoles.Owner, TenantRoles.Admin))
            .AddPolicy(LatchkeyDefaults.TenantOwnerPolicy, p => p.RequireAuthenticatedUser()
                .RequireClaim(LatchkeyClaimTypes.Kind, "human")
                .RequireRole(TenantRoles.Owner));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ScopeAuthorizationHandler>());

        // Note: replaces the framework's default (registered with TryAdd), which it delegates to for everything but a
        // missing scope.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();

        services.AddProblemDetails();
        services.AddExceptionHandler<ExpectedExceptionHandler>();
        services.AddCredentialRateLimiting();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<LatchkeyNetworkOptions>>((forwarded, network) =>
        {
            // Note: X-Forwarded-For is believed only from configured proxies; by default from nobody. With no
            // known proxy at all the middleware would believe any sender, so then it is switched off entirely.
            forwarded.ForwardedHeaders = network.Value.TrustedProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in network.Value.TrustedProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
        });

        // Note: an unreadable body is answered 400 problem+json in every environment, not thrown as an exception.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        return services;
    }

    private static bool IsKey(string base64)
    {
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var length) && length >= 32;
    }
}
