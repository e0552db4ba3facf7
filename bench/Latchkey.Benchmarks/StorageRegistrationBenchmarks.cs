using BenchmarkDotNet.Attributes;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Latchkey.Storage;
using Latchkey.Storage.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Benchmarks;

/// <summary>
/// A what-if, not a description of the shipped code: the same <see cref="CredentialValidator"/> validating an API
/// key when storage is registered as shipped (<c>AddDbContext</c>, a new context and options per request), with a
/// pooled context (<c>AddDbContextPool</c>), and with a pooled context plus a compiled key lookup. It measures the
/// effect of the change docs/benchmarks.md proposes for <c>src/Latchkey.Storage</c> before anyone makes it.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class StorageRegistrationBenchmarks
{
    private SeededDatabase _database = null!;
    private string _badChecksumKey = "";

    [Params("shipped", "pooled", "pooled+compiled")]
    public string Storage { get; set; } = "shipped";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = Storage switch
        {
            "shipped" => await SeededDatabase.CreateAsync(),
            "pooled" => await SeededDatabase.CreateAsync((services, connectionString) => AddPooled(services, connectionString, compiled: false)),
            _ => await SeededDatabase.CreateAsync((services, connectionString) => AddPooled(services, connectionString, compiled: true)),
        };
        _badChecksumKey = SeededDatabase.BreakChecksum(_database.ApiKey);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    [Benchmark]
    public Task<bool> ValidApiKey() => _database.ValidateAsync(_database.ApiKey, SeededDatabase.AppId);

    /// <summary>No query, so what remains is the cost of building the request's scope and context.</summary>
    [Benchmark]
    public Task<bool> BadChecksum() => _database.ValidateAsync(_badChecksumKey, SeededDatabase.AppId);

    /// <summary>What <c>AddLatchkeyStorage("sqlite", ...)</c> registers, with the context pooled.</summary>
    private static void AddPooled(IServiceCollection services, string connectionString, bool compiled)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = 5 };
        services.AddDbContextPool<SqliteLatchkeyDbContext>(o => o.UseSqlite(builder.ConnectionString));
        services.AddScoped<LatchkeyDbContext>(sp => sp.GetRequiredService<SqliteLatchkeyDbContext>());
        services.AddScoped<DatabaseMigrator>();
        services.AddScoped<ITenantStore, EfTenantStore>();
        services.AddScoped<IUserStore, EfUserStore>();
        services.AddScoped<EfSessionStore>();
        if (compiled)
        {
            services.AddScoped<ISessionStore, CompiledLookupSessionStore>();
        }
        else
        {
            services.AddScoped<ISessionStore>(sp => sp.GetRequiredService<EfSessionStore>());
        }
    }

    /// <summary><see cref="EfSessionStore"/> with its request-path query compiled once (<c>EF.CompileAsyncQuery</c>).</summary>
    private sealed class CompiledLookupSessionStore(LatchkeyDbContext db, EfSessionStore inner) : ISessionStore
    {
        private static readonly Func<LatchkeyDbContext, string, CancellationToken, Task<SessionCredential?>> FindByKeyId =
            EF.CompileAsyncQuery((LatchkeyDbContext db, string keyId, CancellationToken _) => db.Sessions.AsNoTracking()
                .Where(s => s.KeyId == keyId)
                .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new SessionCredential(
                    s.Id, s.AppId, s.KeyDigest, s.LastUsedAt, s.ExpiresAt,
                    u.Id, u.TenantId, u.Login, u.Kind, u.Role, u.Scopes, u.Disabled))
                .FirstOrDefault());

        public Task<SessionCredential?> FindByKeyIdAsync(string keyId, CancellationToken cancellationToken) =>
            FindByKeyId(db, keyId, cancellationToken);

        public Task ReplaceAsync(AppSession session, CancellationToken cancellationToken) => inner.ReplaceAsync(session, cancellationToken);

        public Task<IReadOnlyList<AppSession>> ListAsync(Guid userId, CancellationToken cancellationToken) =>
            inner.ListAsync(userId, cancellationToken);

        public Task<bool> DeleteAsync(Guid userId, Guid sessionId, CancellationToken cancellationToken) =>
            inner.DeleteAsync(userId, sessionId, cancellationToken);

        public Task<int> DeleteAllAsync(Guid userId, CancellationToken cancellationToken) => inner.DeleteAllAsync(userId, cancellationToken);

        public Task RecordLastUseAsync(IReadOnlyCollection<KeyValuePair<Guid, DateTimeOffset>> uses, CancellationToken cancellationToken) =>
            inner.RecordLastUseAsync(uses, cancellationToken);

        public Task<int> DeleteExpiredAsync(DateTimeOffset now, TimeSpan idleTimeout, int batchSize, CancellationToken cancellationToken) =>
            inner.DeleteExpiredAsync(now, idleTimeout, batchSize, cancellationToken);
    }
}
