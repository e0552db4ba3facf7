using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.Storage;
using Latchkey.Storage.Postgres;
using Latchkey.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli;

/// <summary>
/// Latchkey composed without ASP.NET Core: Core and the configured storage provider, read from the server's own
/// configuration keys, plus the lookups every verb shares (a tenant by id or name, a user by login).
/// </summary>
internal sealed class CliServices(ServiceProvider services, CliConsole console) : IAsyncDisposable
{
    public IServiceProvider Root => services;

    public string Operator => console.Operator;

    /// <summary>
    /// The configuration the server would read: <c>appsettings.json</c> in the working directory, then the
    /// <c>Latchkey__...</c> and <c>ConnectionStrings__...</c> environment variables, then <c>--provider</c> and
    /// <c>--connection</c>.
    /// </summary>
    public static IConfiguration ReadConfiguration(CliConsole console, string? provider, string? connection)
    {
        var environment = console.Environment
            .Where(e => e.Key.StartsWith("Latchkey__", StringComparison.OrdinalIgnoreCase)
                || e.Key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase))
            .Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value));
        var overrides = new Dictionary<string, string?>();
        if (provider is not null)
        {
            overrides["Latchkey:Storage:Provider"] = provider;
        }

        if (connection is not null)
        {
            overrides["ConnectionStrings:Latchkey"] = connection;
        }

        return new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(console.WorkingDirectory, "appsettings.json"), optional: true)
            .AddInMemoryCollection(environment)
            .AddInMemoryCollection(overrides)
            .Build();
    }

    public static CliServices Build(IConfiguration configuration, CliConsole console)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLatchkeyCore(configuration);

        // Note: the same choice as the server's AddLatchkey makes (Latchkey.AspNetCore), which the tool cannot reference.
        var section = configuration.GetSection(LatchkeyStorageOptions.Section);
        var storage = section.Get<LatchkeyStorageOptions>() ?? new();
        services.AddOptions<LatchkeyStorageOptions>().Bind(section);
        var connectionString = configuration.GetConnectionString("Latchkey");
        switch (storage.Provider.ToLowerInvariant())
        {
            case "sqlite":
                services.AddLatchkeySqlite(connectionString);
                break;
            case "postgres":
                services.AddLatchkeyPostgres(connectionString is { Length: > 0 } ? connectionString : throw new CliException(ExitCodes.Usage,
                    "Provider 'postgres' needs a connection string: --connection, or ConnectionStrings__Latchkey."));
                break;
            default:
                throw new CliException(ExitCodes.Usage, $"Provider '{storage.Provider}' is not supported; use 'sqlite' or 'postgres'.");
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        // Note: a verb may change many credentials (sessions revoke --all: a transaction per tenant); it waits once,
        // on the way out, rather than a lease after each.
        provider.GetRequiredService<UnheardChangeWaits>().Deferred = true;
        return new CliServices(provider, console);
    }

    /// <summary>Runs <paramref name="action"/> in a scope confined to <paramref name="tenantId"/>, as its operator.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, AuthenticatedCaller, Task<T>> action)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenantId);
        return await action(scope.ServiceProvider, AuthenticatedCaller.ForOperator(tenantId, console.Operator));
    }

    /// <summary>Runs <paramref name="action"/> in a scope of no tenant (cross-tenant reads, migrations).</summary>
    public async Task<T> UnscopedAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken cancellationToken) =>
        UnscopedAsync(sp => sp.GetRequiredService<ITenantStore>().ListAllAsync(cancellationToken));

    /// <summary>The tenant given by id, or by a name that only one tenant has.</summary>
    public async Task<Tenant> ResolveTenantAsync(string reference, CancellationToken cancellationToken)
    {
        var all = await ListTenantsAsync(cancellationToken);
        if (Guid.TryParse(reference, out var id))
        {
            return all.FirstOrDefault(t => t.Id == id) ?? throw new CliException(ExitCodes.NotFound, $"No tenant {id}.");
        }

        var named = all.Where(t => string.Equals(t.Name, reference, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => named[0],
            0 => throw new CliException(ExitCodes.NotFound, $"No tenant named \"{reference}\"."),
            _ => throw new CliException(ExitCodes.Usage,
                $"{named.Count} tenants are named \"{reference}\"; give one of their ids: {string.Join(", ", named.Select(t => t.Id))}."),
        };
    }

    /// <summary>A human user by its login (logins are unique across tenants), or by id together with <c>--tenant</c>.</summary>
    public async Task<User> ResolveHumanAsync(string reference, string? tenant, CancellationToken cancellationToken)
    {
        User? user;
        if (Guid.TryParse(reference, out var id))
        {
            var owner = await ResolveTenantAsync(tenant ?? throw new CliException(ExitCodes.Usage, "A user id needs --tenant."), cancellationToken);
            user = await InTenantAsync(owner.Id, (sp, _) => sp.GetRequiredService<IUserStore>().FindAsync(owner.Id, id, cancellationToken));
        }
        else
        {
            var login = Latchkey.Core.Credentials.LoginNormalizer.Normalize(reference);
            user = login is null ? null : await UnscopedAsync(sp => sp.GetRequiredService<IUserStore>().FindByLoginAsync(login, cancellationToken));
            if (user is not null && tenant is not null && (await ResolveTenantAsync(tenant, cancellationToken)).Id != user.TenantId)
            {
                user = null;
            }
        }

        return user is { Kind: UserKind.Human } ? user : throw new CliException(ExitCodes.NotFound, $"No user {reference}.");
    }

    /// <summary>
    /// Waits until the verb's credential changes hold on every server (one lease after the last; see
    /// <see cref="UnheardChangeWaits"/>), then releases the services.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await services.GetRequiredService<UnheardChangeWaits>().SettleAsync(CancellationToken.None);
        await services.DisposeAsync();
    }
}
