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
using Microsoft.Extensions.Options;

namespace Latchkey.Benchmarks;

/// <summary>
/// A SQLite file in a temporary directory, migrated and seeded through Latchkey's own stores and services: one
/// tenant, its owner with <see cref="SessionCount"/> app sessions, and a machine user. The provider holds what
/// <see cref="CredentialValidator"/> needs, with the storage registration the caller chooses.
/// </summary>
internal sealed class SeededDatabase : IAsyncDisposable
{
    // Note: more than one row, so the key_id and login lookups walk a real index rather than a one-row table.
    public const int SessionCount = 1000;
    public const string AppId = "bench-app-0000";

    private readonly string _directory;

    private SeededDatabase(string directory, ServiceProvider services)
    {
        _directory = directory;
        Services = services;
    }

    public ServiceProvider Services { get; }

    /// <summary>The API key of the session for <see cref="AppId"/>.</summary>
    public string ApiKey { get; private set; } = "";

    public string MachineToken { get; private set; } = "";

    /// <summary>Services exactly as a host registers them: <c>AddLatchkey(configuration)</c> on a fresh SQLite file.</summary>
    public static async Task<SeededDatabase> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Latchkey"] = $"Data Source={Path.Combine(directory, "latchkey.db")}",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        // Note: the default session options, so last use is due for recording once a minute per session, as in
        // production; the seeded credentials were used just now, so the measured path is the common one that queues
        // nothing. The hosted services are registered but never started: nothing runs beside the benchmark.
        services.AddLatchkey(configuration);
        var database = new SeededDatabase(directory,
            services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
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

    /// <summary>One request's worth of work: a scope, the validator resolved from it, one validation.</summary>
    public async Task<bool> ValidateAsync(string token, string? appId)
    {
        await using var scope = Services.CreateAsyncScope();
        var check = await scope.ServiceProvider.GetRequiredService<CredentialValidator>()
            .ValidateAsync(token, appId, CancellationToken.None);
        return check.Caller is not null;
    }

    /// <summary>The token with its last checksum character changed: refused by the format check, before any query.</summary>
    public static string BreakChecksum(string token) =>
        string.Concat(token.AsSpan(0, token.Length - 1), token[^1] == 'a' ? "b" : "a");

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task SeedAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

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

        if (!await ValidateAsync(ApiKey, AppId) || !await ValidateAsync(MachineToken, null)
            || await ValidateAsync(ApiKey, "bench-app-0001"))
        {
            throw new InvalidOperationException("The seeded credentials do not validate as expected.");
        }
    }
}
