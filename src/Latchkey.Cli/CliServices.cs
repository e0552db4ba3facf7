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
    /// The configuration the server would read, in the server's order (later wins): <c>appsettings.json</c> and
    /// <c>appsettings.{Environment}.json</c> in the working directory (the environment from <c>ASPNETCORE_ENVIRONMENT</c>,
    /// else <c>DOTNET_ENVIRONMENT</c>, else <c>Production</c>), or instead the file <paramref name="configFile"/> and its
    /// <c>{name}.{Environment}.json</c> beside it; then the <c>Latchkey__...</c> and <c>ConnectionStrings__...</c>
    /// environment variables; then <c>--provider</c> and the connection string given on the command line or standard
    /// input. So the tool sees the lease, Argon2 cost and database the servers see.
    /// </summary>
    public static IConfiguration ReadConfiguration(CliConsole console, string? provider, string? connection, string? configFile = null)
    {
        var environmentName = Variable(console, "ASPNETCORE_ENVIRONMENT") ?? Variable(console, "DOTNET_ENVIRONMENT") ?? "Production";
        var settings = Path.Combine(console.WorkingDirectory, "appsettings.json");
        if (configFile is not null)
        {
            settings = Path.GetFullPath(configFile, console.WorkingDirectory);
            if (!File.Exists(settings))
            {
                throw new CliException(ExitCodes.NotFound, $"No configuration file {settings}.");
            }
        }

        var environmentSettings = Path.Combine(Path.GetDirectoryName(settings)!,
            $"{Path.GetFileNameWithoutExtension(settings)}.{environmentName}{Path.GetExtension(settings)}");
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
            .AddJsonFile(settings, optional: configFile is null)
            .AddJsonFile(environmentSettings, optional: true)
            .AddInMemoryCollection(environment)
            .AddInMemoryCollection(overrides)
            .Build();
    }

    private static string? Variable(CliConsole console, string name) =>
        console.Environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    public static CliServices Build(IConfiguration configuration, CliConsole console)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLatchkeyCore(configuration);
        StorageChoice storage;
        try
        {
            storage = StorageChoice.Read(services, configuration);
        }
        catch (StorageConfigurationException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }

        if (storage.Provider == StorageChoice.Postgres)
        {
            services.AddLatchkeyPostgres(storage.ConnectionString!);
        }
        else
        {
            services.AddLatchkeySqlite(storage.ConnectionString);
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        // Note: a verb may change many credentials (sessions revoke --all: a transaction per tenant); it waits once,
        // before it reports, rather than a lease after each.
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
    /// A machine user of <paramref name="tenantId"/> by its id, its login (the public part of its token), or a name that
    /// only one of the tenant's machine users has.
    /// </summary>
    public async Task<User> ResolveMachineAsync(string reference, Guid tenantId, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(reference, out var id))
        {
            var found = await InTenantAsync(tenantId, (sp, _) => sp.GetRequiredService<IUserStore>().FindAsync(tenantId, id, cancellationToken));
            return found is { Kind: UserKind.Machine } ? found : throw new CliException(ExitCodes.NotFound, $"No machine user {reference}.");
        }

        // Note: a machine user's login is unique across tenants, its name only what people call it: a login wins, and a
        // name shared by several machine users is refused with their ids rather than guessed.
        var machines = await InTenantAsync(tenantId, (sp, caller) =>
            Page<User>.AllAsync(page => sp.GetRequiredService<MachineUserService>().ListAsync(caller, page, cancellationToken)));
        if (machines.FirstOrDefault(m => string.Equals(m.Login, reference, StringComparison.Ordinal)) is { } byLogin)
        {
            return byLogin;
        }

        var named = machines.Where(m => string.Equals(m.Name, reference, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => named[0],
            0 => throw new CliException(ExitCodes.NotFound, $"No machine user {reference}."),
            _ => throw new CliException(ExitCodes.Usage,
                $"{named.Count} machine users are named \"{reference}\"; give one of their ids: {string.Join(", ", named.Select(m => m.Id))}."),
        };
    }

    /// <summary>
    /// What people call the users of <paramref name="tenantId"/> with the given ids: a person's login, a machine user's
    /// name (else its login); an id no longer found (a deleted user) is left out.
    /// </summary>
    public Task<Dictionary<Guid, string>> NamesAsync(Guid tenantId, IEnumerable<Guid> userIds, CancellationToken cancellationToken) =>
        InTenantAsync(tenantId, async (sp, _) =>
        {
            var store = sp.GetRequiredService<IUserStore>();
            var names = new Dictionary<Guid, string>();
            foreach (var userId in userIds.Distinct())
            {
                if (await store.FindAsync(tenantId, userId, cancellationToken) is { } user)
                {
                    names[userId] = DisplayName(user);
                }
            }

            return names;
        });

    /// <summary>A person's login; a machine user's name, else its login.</summary>
    public static string DisplayName(User user) => user.Kind == UserKind.Machine ? user.Name ?? user.Login : user.Login;

    /// <summary>
    /// Returns once the verb's credential changes so far hold on every server (the longest lease after the last; see
    /// <see cref="UnheardChangeWaits"/>). A verb that changes credentials calls it before it reports them done.
    /// </summary>
    public Task SettleAsync() => services.GetRequiredService<UnheardChangeWaits>().SettleAsync(CancellationToken.None);

    /// <summary>Settles what is left (a verb that failed half-way), then releases the services.</summary>
    public async ValueTask DisposeAsync()
    {
        await SettleAsync();
        await services.DisposeAsync();
    }
}
