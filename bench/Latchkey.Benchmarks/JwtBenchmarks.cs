using BenchmarkDotNet.Attributes;
using Latchkey.Core.Email;
using Latchkey.Core.Jwt;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Latchkey.Benchmarks;

/// <summary>
/// JWT issuance (<see cref="JwtIssuer.IssueAsync"/>: claims, ES256 signature with the key the ring holds, as
/// <c>POST /v1/token</c> runs it after authentication) and verification with the parameters
/// <c>AddLatchkeyJwtBearer</c> gives the JwtBearer handler (issuer, type, ES256, the published keys).
/// </summary>
// Note: a short job (1 launch, 3 warm-ups, 5 iterations of 250 ms): the machine is shared.
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 5)]
[IterationTime(250)]
public class JwtBenchmarks
{
    private const string Issuer = "https://auth.example.test";
    private SeededDatabase _database = null!;
    private JwtIssuer _issuer = null!;
    private AuthenticatedCaller _caller = null!;
    private string _token = "";
    private readonly JsonWebTokenHandler _handler = new();
    private TokenValidationParameters _parameters = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = await SeededDatabase.CreateAsync(BenchStorage.Sqlite, cached: true,
            services => services.Configure<LatchkeyEmailOptions>(o => o.PublicBaseUrl = Issuer));
        _issuer = _database.Services.GetRequiredService<JwtIssuer>();
        _caller = new AuthenticatedCaller(Guid.NewGuid(), Guid.NewGuid(), "bench", UserKind.Human, TenantRole.Owner, "",
            Guid.NewGuid(), SeededDatabase.AppId, AuthTime: DateTimeOffset.UtcNow, ExpiresAt: DateTimeOffset.UtcNow.AddDays(1));
        _token = (await _issuer.IssueAsync(_caller, null, CancellationToken.None)).Token;
        var keys = await _database.Services.GetRequiredService<SigningKeyRing>().GetAsync(CancellationToken.None);
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidateAudience = false,
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeys = keys.Published,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    [Benchmark]
    public async Task<string> Issue() => (await _issuer.IssueAsync(_caller, null, CancellationToken.None)).Token;

    [Benchmark]
    public async Task<bool> Verify() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;
}
