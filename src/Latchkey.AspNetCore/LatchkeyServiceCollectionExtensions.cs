using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;
using Latchkey.AspNetCore.Email;
using Latchkey.AspNetCore.Hosting;
using Latchkey.AspNetCore.RateLimiting;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Storage;
using Latchkey.Storage.Postgres;
using Latchkey.Storage.Sqlite;
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
    /// Registers Latchkey's core (<c>AddLatchkeyCore</c>), the storage provider that <c>Latchkey:Storage:Provider</c>
    /// names on <c>ConnectionStrings:Latchkey</c> (<c>AddLatchkeySqlite</c> or <c>AddLatchkeyPostgres</c>), then what is
    /// HTTP: the <see cref="LatchkeyDefaults.AuthenticationScheme"/> scheme as the default, its policies, problem details
    /// and the <c>storage</c> health check. Map the API with <c>MapLatchkeyApi()</c>.
    /// </summary>
    public static IServiceCollection AddLatchkey(this IServiceCollection services, IConfiguration configuration)
    {
        // Note: first, so that Core's TryAdd of an origin-less default leaves the request's origin in place.
        services.AddHttpContextAccessor();
        services.AddSingleton<IRequestOrigin, HttpRequestOrigin>();
        // Note: first of Latchkey's hosted services, so that none of them starts on a database without the schema.
        services.AddHostedService<SchemaCheck>();
        services.AddLatchkeyCore(configuration);
        services.AddLatchkeyStorageProvider(configuration);

        services.AddOptions<LatchkeyNetworkOptions>().Bind(configuration.GetSection(LatchkeyNetworkOptions.Section))
            .Validate(o => o.CredentialRequestsPerMinute >= 1, "Latchkey:Network:CredentialRequestsPerMinute must be at least 1.")
            .Validate(o => o.FailureBurst >= 1, "Latchkey:Network:FailureBurst must be at least 1.")
            .Validate(o => o.FailuresPerMinute > 0, "Latchkey:Network:FailuresPerMinute must be positive.")
            .Validate(o => o.IPv6PrefixLength is >= 1 and <= 128, "Latchkey:Network:IPv6PrefixLength must be 1 to 128.")
            .Validate(o => o.TrustedProxies.All(p => System.Net.IPAddress.TryParse(p, out _)),
                "Latchkey:Network:TrustedProxies must list IP addresses.")
            .ValidateOnStart();
        services.AddOptions<LatchkeyLeakOptions>().Bind(configuration.GetSection(LatchkeyLeakOptions.Section))
            .Validate(o => o.Reporters.Values.All(r => (r.HmacSecret is { Length: > 0 }) != (r.PublicKeyPem is { Length: > 0 })),
                "Each Latchkey:Leaks:Reporters entry needs exactly one of HmacSecret or PublicKeyPem.")
            .Validate(o => o.Reporters.Values.All(r => r.HmacSecret is null || r.HmacSecret.Length >= 32),
                "Latchkey:Leaks:Reporters:<name>:HmacSecret must be at least 32 characters.")
            .Validate(o => o.Reporters.Values.All(r => r.PublicKeyPem is null || IsEcdsaKey(r.PublicKeyPem)),
                "Latchkey:Leaks:Reporters:<name>:PublicKeyPem must be an ECDSA public key in PEM.")
            .ValidateOnStart();
        services.AddSingleton<FailedAttemptLimit>();
        services.AddSingleton<IFailedAttemptLimit>(sp => sp.GetRequiredService<FailedAttemptLimit>());
        services.AddSingleton<HashingRefusalLog>();
        services.AddSingleton<CredentialRefusalLog>();
        services.AddSingleton<QuietRefusalLoggerFactory>();
        services.AddOptions<LatchkeyIntrospectionOptions>().Bind(configuration.GetSection(LatchkeyIntrospectionOptions.Section))
            .Validate(o => o.RequestsPerSecond >= 1, "Latchkey:Introspection:RequestsPerSecond must be at least 1.")
            .ValidateOnStart();
        services.AddSingleton<IntrospectionLimit>();
        services.AddOptions<LatchkeyRateLimitOptions>().Bind(configuration.GetSection(LatchkeyRateLimitOptions.Section))
            .Validate(o => o.ExpectedInstances >= 1, "Latchkey:RateLimits:ExpectedInstances must be at least 1.")
            .Validate(o => o.OverrideRefresh >= TimeSpan.Zero, "Latchkey:RateLimits:OverrideRefresh must not be negative.")
            .Validate(o => o.Policies.Values.All(p => p.Permits >= 1 && p.Window >= TimeSpan.FromSeconds(1) && p.Window <= TimeSpan.FromDays(1)
                    && p.Window.Ticks % TimeSpan.TicksPerSecond == 0),
                "Each Latchkey:RateLimits:Policies entry needs Permits of at least 1 and a Window of whole seconds, 1 second to 1 day.")
            .ValidateOnStart();
        services.AddSingleton<CredentialRateLimiter>();
        services.AddSingleton<MachineUserLimits>();

        // Note: TOTP secrets are encrypted with the Data Protection key ring; every instance must share it (where the
        // ring is kept is configured beside this call, e.g. persisted in the database).
        services.AddDataProtection();
        services.AddSingleton<ISecretProtector, DataProtectionSecretProtector>();
        services.AddHostedService<HashingWarmUp>();
        services.AddHostedService<AuditWriter>();
        services.AddHostedService<LastUseWriter>();
        services.AddHostedService<CredentialChangeListener>();
        services.AddHostedService<StateGauges>();
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, StepUpAuthorizationHandler>());

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
        services.AddOptions<LatchkeyShutdownOptions>().Bind(configuration.GetSection(LatchkeyShutdownOptions.Section))
            .Validate(o => o.DrainDelay >= TimeSpan.Zero, "Latchkey:Shutdown:DrainDelay must not be negative.")
            .ValidateOnStart();
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        services.AddSingleton<MigrationState>();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage")
            .AddCheck<ReadinessHealthCheck>(ReadinessHealthCheck.Name);
        services.AddLatchkeyEmailDelivery(configuration);
        return services;
    }

    /// <summary>
    /// Registers the storage provider that <c>Latchkey:Storage:Provider</c> names (<c>sqlite</c>, the default, or
    /// <c>postgres</c>) on <c>ConnectionStrings:Latchkey</c>; the choice is read by <see cref="StorageChoice"/>, as the
    /// <c>latchkey</c> tool reads it.
    /// </summary>
    private static void AddLatchkeyStorageProvider(this IServiceCollection services, IConfiguration configuration)
    {
        var storage = StorageChoice.Read(services, configuration);
        if (storage.Provider == StorageChoice.Postgres)
        {
            services.AddLatchkeyPostgres(storage.ConnectionString!);
        }
        else
        {
            services.AddLatchkeySqlite(storage.ConnectionString);
        }
    }

    private static bool IsEcdsaKey(string pem)
    {
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
