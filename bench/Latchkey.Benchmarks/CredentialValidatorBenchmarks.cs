using BenchmarkDotNet.Attributes;
using Latchkey.Core.Services;

namespace Latchkey.Benchmarks;

/// <summary>
/// <see cref="CredentialValidator.ValidateAsync"/> end to end, as a request runs it: a DI scope, the validator and
/// its stores resolved from it, the lookup on a real database (a SQLite file in WAL mode, or PostgreSQL), the digest
/// comparison. Storage is registered exactly as the server does it; <see cref="Cached"/> leaves the verified-credential
/// cache at its default size or turns it off (<c>Latchkey:CredentialCache:MaxEntries=0</c>).
/// </summary>
// Note: 250 ms iterations (half the default): 2 providers x 2 cache settings x the methods are many cases, each a
// process of its own, and a quarter second still holds thousands of operations.
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class CredentialValidatorBenchmarks
{
    private SeededDatabase _database = null!;
    private string _badChecksumKey = "";

    /// <summary><c>sqlite</c>, and <c>postgres</c> when bench/inprocess.sh (or LATCHKEY_BENCH_POSTGRES) names a server.</summary>
    [ParamsSource(nameof(Providers))]
    public string Provider { get; set; } = BenchStorage.Sqlite;

    [Params(true, false)]
    public bool Cached { get; set; }

    public static IEnumerable<string> Providers() => BenchStorage.Providers();

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = await SeededDatabase.CreateAsync(Provider, Cached);
        _badChecksumKey = SeededDatabase.BreakChecksum(_database.ApiKey);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<bool> ValidApiKey() => _database.ValidateAsync(_database.ApiKey, SeededDatabase.AppId);

    [Benchmark]
    public Task<bool> ValidMachineToken() => _database.ValidateAsync(_database.MachineToken, null);

    /// <summary>A token that fails its checksum: no query is made, but the request's scope is still built.</summary>
    [Benchmark]
    public Task<bool> BadChecksum() => _database.ValidateAsync(_badChecksumKey, SeededDatabase.AppId);
}
