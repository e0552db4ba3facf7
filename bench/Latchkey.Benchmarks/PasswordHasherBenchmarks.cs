using BenchmarkDotNet.Attributes;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Microsoft.Extensions.Options;

namespace Latchkey.Benchmarks;

/// <summary>
/// One login's worth of Argon2id at the shipped defaults (m=19456 KiB, t=2, p=1): the cost that bounds login
/// throughput and that the hashing gate rations.
/// </summary>
// Note: ~40 ms per operation, so a few iterations already give a tight interval; the default job would take minutes.
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class PasswordHasherBenchmarks
{
    private const string Password = "correct horse battery staple";

    private Argon2idPasswordHasher _hasher = null!;
    private string _verifier = "";

    [GlobalSetup]
    public void Setup()
    {
        var defaults = new LatchkeyPasswordOptions();
        if (defaults is not { Argon2MemoryKiB: 19456, Argon2Iterations: 2 })
        {
            throw new InvalidOperationException("The Argon2id defaults changed; update the benchmark's description.");
        }

        _hasher = new Argon2idPasswordHasher(Options.Create(defaults));
        _verifier = _hasher.Hash(Password);
    }

    [Benchmark]
    public bool VerifyAtDefaults() => _hasher.Verify(_verifier, Password) == PasswordVerification.Success;
}
