using Microsoft.Extensions.Options;

namespace Latchkey.Core.Tests;

/// <summary>Password options for tests: the cheapest Argon2id cost libsodium accepts, so the suite stays fast.</summary>
internal static class TestPasswordOptions
{
    public const int CheapIterations = 1;
    public const int CheapMemoryKiB = 8;

    public static IOptions<LatchkeyPasswordOptions> Cheap(int iterations = CheapIterations, int memoryKiB = CheapMemoryKiB) =>
        Options.Create(new LatchkeyPasswordOptions { Argon2Iterations = iterations, Argon2MemoryKiB = memoryKiB });
}
