using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using BenchmarkDotNet.Attributes;
using Latchkey.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Latchkey.Benchmarks;

/// <summary>
/// The whole in-process authentication of one request, as the authentication middleware runs it: a request scope
/// from the host's services (<c>AddLatchkey(configuration)</c>), a <see cref="DefaultHttpContext"/> carrying the
/// credential's headers, and <c>HttpContext.AuthenticateAsync()</c> through <see cref="IAuthenticationService"/>:
/// the Latchkey handler, the validator, storage and the claims. <see cref="NoopScheme"/> is the floor: the same
/// request through a handler that succeeds without reading anything. Routing, authorization and the response are not
/// included; the HTTP load script measures those.
/// </summary>
// Note: 250 ms iterations (half the default): 2 providers x 2 cache settings x the methods are many cases, each a
// process of its own, and a quarter second still holds thousands of operations.
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class RequestAuthenticationBenchmarks
{
    private SeededDatabase _database = null!;
    private string _apiKeyAuthorization = "";
    private string _machineTokenAuthorization = "";

    /// <summary><c>sqlite</c>, and <c>postgres</c> when bench/inprocess.sh (or LATCHKEY_BENCH_POSTGRES) names a server.</summary>
    [ParamsSource(nameof(Providers))]
    public string Provider { get; set; } = BenchStorage.Sqlite;

    [Params(true, false)]
    public bool Cached { get; set; }

    public static IEnumerable<string> Providers() => BenchStorage.Providers();

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = await SeededDatabase.CreateAsync(Provider, Cached, services => services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, NoopAuthenticationHandler>(NoopAuthenticationHandler.SchemeName, null));
        _apiKeyAuthorization = "Bearer " + _database.ApiKey;
        _machineTokenAuthorization = "Bearer " + _database.MachineToken;
        if (!await NoopScheme() || !await ApiKey() || !await MachineToken() || await NoCredential()
            || await AuthenticateAsync(_apiKeyAuthorization, "bench-app-0001", null))
        {
            throw new InvalidOperationException("The seeded credentials do not authenticate as expected.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    /// <summary>The floor: ASP.NET Core's own authentication with a handler that reads nothing and always succeeds.</summary>
    [Benchmark(Baseline = true)]
    public Task<bool> NoopScheme() => AuthenticateAsync(null, null, NoopAuthenticationHandler.SchemeName);

    /// <summary><c>Authorization: Bearer lk_key_...</c> and <c>X-App-Id</c>, through the default (Latchkey) scheme.</summary>
    [Benchmark]
    public Task<bool> ApiKey() => AuthenticateAsync(_apiKeyAuthorization, SeededDatabase.AppId, null);

    /// <summary><c>Authorization: Bearer lk_mach_...</c>.</summary>
    [Benchmark]
    public Task<bool> MachineToken() => AuthenticateAsync(_machineTokenAuthorization, null, null);

    /// <summary>No credential at all: the handler looks for a bearer token and a session cookie and finds neither.</summary>
    [Benchmark]
    public Task<bool> NoCredential() => AuthenticateAsync(null, null, null);

    private async Task<bool> AuthenticateAsync(string? authorization, string? appId, string? scheme)
    {
        // Note: what the server's context factory gives each request: its own scope and a context over it.
        await using var scope = _database.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        var request = context.Request;
        request.Method = HttpMethods.Get;
        request.Scheme = "https";
        request.Host = new HostString("bench.example");
        request.Path = "/v1/me";
        if (authorization is not null)
        {
            request.Headers.Authorization = authorization;
        }

        if (appId is not null)
        {
            request.Headers[LatchkeyDefaults.AppIdHeader] = appId;
        }

        var result = await context.AuthenticateAsync(scheme);
        return result.Succeeded;
    }
}

/// <summary>A handler that succeeds at once with one static principal: the cost of authentication itself.</summary>
internal sealed class NoopAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Noop";

    private static readonly ClaimsPrincipal Principal =
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "bench")], SchemeName));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal, SchemeName)));
}
