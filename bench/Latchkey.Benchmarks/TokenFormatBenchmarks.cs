using BenchmarkDotNet.Attributes;
using Latchkey.Core.Credentials;

namespace Latchkey.Benchmarks;

/// <summary>
/// The first step of every authenticated request: the format and checksum check that decides, before any database
/// access, whether a presented token is worth a query.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class TokenFormatBenchmarks
{
    private string _validKey = "";
    private string _badChecksumKey = "";
    private string _publicPart = "";

    [GlobalSetup]
    public void Setup()
    {
        _publicPart = TokenFormat.NewPublicPart();
        _validKey = TokenFormat.Create(TokenKind.ApiKey, _publicPart).Token;

        // Note: one changed character of the secret part: well-formed base32 that only the CRC-32 catches.
        var chars = _validKey.ToCharArray();
        var i = TokenFormat.ApiKeyPrefix.Length + TokenFormat.PublicLength + 3;
        chars[i] = chars[i] == 'a' ? 'b' : 'a';
        _badChecksumKey = new string(chars);
        if (!TokenFormat.TryParse(_validKey, out _) || TokenFormat.TryParse(_badChecksumKey, out _))
        {
            throw new InvalidOperationException("The fixtures do not parse as expected.");
        }
    }

    [Benchmark(Baseline = true)]
    public byte[]? TryParseValidApiKey() => TokenFormat.TryParse(_validKey, out var parsed) ? parsed.SecretDigest : null;

    [Benchmark]
    public byte[]? TryParseBadChecksum() => TokenFormat.TryParse(_badChecksumKey, out var parsed) ? parsed.SecretDigest : null;

    [Benchmark]
    public string Create() => TokenFormat.Create(TokenKind.ApiKey, _publicPart).Token;
}
