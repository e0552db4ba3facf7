using BenchmarkDotNet.Attributes;
using Latchkey.Core.Services;

namespace Latchkey.Benchmarks;

/// <summary>
/// <see cref="CredentialValidator.ValidateAsync"/> end to end, as a request runs it: a DI scope, the validator and
/// its stores resolved from it, one indexed read on a real SQLite file (WAL, as migrated), the digest comparison.
/// Storage is registered exactly as the server does it.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class CredentialValidatorBenchmarks
{
    private SeededDatabase _database = null!;
    private string _badChecksumKey = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = await SeededDatabase.CreateAsync();
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
