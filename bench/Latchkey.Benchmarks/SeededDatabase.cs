using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.Storage;
using Microsoft.Data.Sqlite;
using Latchkey.AspNetCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Latchkey.Benchmarks;

/// <summary>
/// A database of its own, migrated and seeded through Latchkey's own stores and services: one tenant, its owner with
/// <see cref="SessionCount"/> app sessions, and a machine user. SQLite is a file in a temporary directory; PostgreSQL a
/// fresh database on the server <see cref="BenchStorage"/> names. The provider holds the services a host registers
/// with <c>AddLatchkey(configuration)</c>, the credential cache on or off.
/// </summary>
internal sealed class SeededDatabase : IAsyncDisposable
{
    // Note: more than one row, so the key_id and login lookups walk a real index rather than a one-row table.
    public const int SessionCount = 1000;
    public const string AppId = "bench-app-0000";

    /// <summary>The setting that bounds the verified-credential cache; 0 turns it off.</summary>
    public const string CacheSetting = "Latchkey:CredentialCache:MaxEntries";

    private readonly string _directory;
    private readonly string? _postgres;
    private readonly bool _cached;
    private readonly List<IHostedService> _started = [];
    private bool _seeded;

    private SeededDatabase(string directory, string? postgres, bool cached, ServiceProvider services)
    {
        _directory = directory;
        _postgres = postgres;
        _cached = cached;
        Services = services;
    }

    public ServiceProvider Services { get; }

    private CredentialValidator Validator => field ??= Services.GetRequiredService<CredentialValidator>();

    /// <summary>The API key of the session for <see cref="AppId"/>.</summary>
    public string ApiKey { get; private set; } = "";

    public string MachineToken { get; private set; } = "";

    /// <summary>
    /// Services exactly as a host registers them: <c>AddLatchkey(configuration)</c> on <paramref name="provider"/>
    /// (<see cref="BenchStorage.Sqlite"/> or <see cref="BenchStorage.Postgres"/>), with the credential cache at its
    /// default size when <paramref name="cached"/>, else turned off; <paramref name="configure"/> adds to them.
    /// </summary>
    public static async Task<SeededDatabase> CreateAsync(string provider, bool cached, Action<IServiceCollection>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-bench-").FullName;
        var postgres = provider == BenchStorage.Postgres ? await BenchStorage.CreatePostgresDatabaseAsync() : null;
        var settings = new Dictionary<string, string?>
        {
            ["Latchkey:Storage:Provider"] = provider,
            ["ConnectionStrings:Latchkey"] = postgres ?? $"Data Source={Path.Combine(directory, "latchkey.db")}",
            // Note: the seeded sessions are all the owner's; the default bound on live sessions per user would end
            // all but the last 100 of them.
            ["Latchkey:Sessions:MaxPerUser"] = SessionCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (!cached)
        {
            settings[CacheSetting] = "0";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        // Note: the default session options, so last use is due for recording once a minute per session, as in
        // production; the seeded credentials were used just now, so the measured path is the common one that queues
        // nothing.
        services.AddLatchkey(configuration);
        configure?.Invoke(services);

        // Note: no scope validation, as a host outside Development builds its provider; it checks every resolution.
        var database = new SeededDatabase(directory, postgres, cached, services.BuildServiceProvider());
        try
        {
            await database.SeedAsync();
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One request's worth of work, as the handler does it: a scope, one validation by the (singleton) validator, whose
    /// cache miss reads without a database context.
    /// </summary>
    public async Task<bool> ValidateAsync(string token, string? appId)
    {
        await using var scope = Services.CreateAsyncScope();
        var check = await Validator.ValidateAsync(token, appId, CancellationToken.None);
        return check.Caller is not null;
    }

    /// <summary>The token with its last checksum character changed: refused by the format check, before any query.</summary>
    public static string BreakChecksum(string token) =>
        string.Concat(token.AsSpan(0, token.Length - 1), token[^1] == 'a' ? "b" : "a");

    public async ValueTask DisposeAsync()
    {
        // Note: a feed that stopped confirming during the run made the cache untrusted, and so the "cached" figures
        // partly database reads; BenchmarkDotNet shows this line in its log under the case.
        if (_cached && _seeded && !Services.GetRequiredService<ICredentialChangeFeed>().IsCurrent)
        {
            Console.WriteLine("WARNING: the credential change feed was not current at the end of this case: the cache was "
                + "not trusted for part of it, so its figures include database reads.");
        }

        foreach (var service in Enumerable.Reverse(_started))
        {
            await service.StopAsync(CancellationToken.None);
        }

        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        if (_postgres is not null)
        {
            await BenchStorage.DropPostgresDatabaseAsync(_postgres);
        }
    }

    private async Task SeedAsync()
    {
        await using (var migration = Services.CreateAsyncScope())
        {
            await migration.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        }

        // Note: the host's background services run as they do in a server: among them the credential change feed,
        // without which the cache is never trusted (every request would read the database, cache or not).
        foreach (var service in Services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
            _started.Add(service);
        }

        await using var scope = Services.CreateAsyncScope();
        var provider = scope.ServiceProvider;

        var now = TimeProvider.System.GetUtcNow();
        var cheapHasher = new Argon2idPasswordHasher(Options.Create(new LatchkeyPasswordOptions { Argon2Iterations = 1, Argon2MemoryKiB = 8 }));
        var tenant = new Tenant { Id = Guid.CreateVersion7(now), Name = "Bench", CreatedAt = now };
        var owner = new User
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenant.Id,
            Kind = UserKind.Human,
            Login = "owner@bench.example",
            SecretVerifier = cheapHasher.Hash("correct horse battery staple"),
            Role = TenantRole.Owner,
            CreatedAt = now,
        };
        if (!await provider.GetRequiredService<ITenantStore>().CreateWithOwnerAsync(tenant, owner, null, CancellationToken.None))
        {
            throw new InvalidOperationException("Seeding the tenant failed.");
        }

        // Note: the rest acts inside the tenant, as an authenticated owner's request would (storage's tenant filter).
        provider.GetRequiredService<TenantContext>().Enter(tenant.Id);
        var caller = new AuthenticatedCaller(owner.Id, tenant.Id, owner.Login, UserKind.Human, TenantRole.Owner, "", null, null);
        var sessions = provider.GetRequiredService<SessionService>();
        for (var i = SessionCount - 1; i >= 0; i--)
        {
            var (_, key) = await sessions.OpenAsync(owner, $"bench-app-{i:D4}", "BenchmarkDotNet", CancellationToken.None);
            ApiKey = key;
        }

        var (created, error) = await provider.GetRequiredService<MachineUserService>()
            .CreateAsync(caller, "bench-bot", ["deploy", "read:metrics"], CancellationToken.None);
        MachineToken = created?.Token ?? throw new InvalidOperationException($"Seeding the machine user failed: {error}");

        // Note: as LastUseWriter would after the token's first use; a never-used machine user queues a write each time.
        await provider.GetRequiredService<IUserStore>().RecordLastUseAsync([new(created.User.Id, now)], CancellationToken.None);

        // Note: with the cache on, only a current feed lets it be used; without it "cached" would measure database
        // reads, so the case fails (BenchmarkDotNet shows NA) rather than report them. With the cache off it is moot.
        var feed = Services.GetRequiredService<ICredentialChangeFeed>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (_cached && !feed.IsCurrent)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("The credential change feed did not become current within 30 s.");
            }

            await Task.Delay(50);
        }

        // Note: these also fill the cache when it is on, so every measured validation of a valid credential is a hit.
        if (!await ValidateAsync(ApiKey, AppId) || !await ValidateAsync(MachineToken, null)
            || await ValidateAsync(ApiKey, "bench-app-0001"))
        {
            throw new InvalidOperationException("The seeded credentials do not validate as expected.");
        }

        _seeded = true;
    }
}
