using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using Latchkey.AspNetCore;
using Latchkey.AspNetCore.Hosting;
using Latchkey.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Benchmarks;

/// <summary>
/// What each middleware of <c>UseLatchkey()</c> costs per request, by ablation: the host's services
/// (<c>AddLatchkey(configuration)</c> on a seeded SQLite file, credential cache on, background services running), and
/// a pipeline of the first middlewares of <c>UseLatchkey()</c> up to and including <see cref="Through"/>, in its order,
/// ending in a terminal delegate that answers 200 with no body. One operation is one request as the hosting layer
/// starts it: a scope, a <see cref="DefaultHttpContext"/> over it, the matched endpoint set as routing would. The cost
/// of a middleware is the difference between its row and the row before it. The server, routing and the response
/// body are not included.
/// </summary>
// Note: the same short job as the database classes: 11 stages x 3 methods are 33 cases, each a process of its own.
// The differences between stages are a few hundred nanoseconds, below the noise of a shared machine's means, so the
// table also shows the median and the fastest iteration.
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class PipelineBenchmarks
{
    // Note: replicates LatchkeyApplicationExtensions.UseLatchkey in its order; keep the two lists alike.
    private static readonly (string Name, Action<IApplicationBuilder> Add)[] Middlewares =
    [
        ("ForwardedHeaders", app => app.UseForwardedHeaders()),
        ("ExceptionHandler", app => app.UseExceptionHandler()),
        ("StatusCodePages", app => app.UseStatusCodePages()),
        ("SecurityHeaders", app => app.UseMiddleware<SecurityHeaders>()),
        ("JsonCharsetGuard", app => app.UseMiddleware<JsonCharsetGuard>()),
        ("Hsts", app => app.UseHsts()),
        ("RateLimiter", app => app.UseRateLimiter()),
        ("Authentication", app => app.UseAuthentication()),
        ("Authorization", app => app.UseAuthorization()),
        ("CredentialRateLimit", app => app.UseMiddleware<RateLimitMiddleware>()),
    ];

    // Note: what RequireAuthorization() and MapLatchkeyApi() put on GET /v1/me, and what AllowAnonymous() puts on a
    // host's public endpoint. One instance each, as routing hands out: the authorization middleware caches the
    // combined policy per endpoint.
    private static readonly Endpoint Authorized = new(null,
        new EndpointMetadataCollection(new AuthorizeAttribute(), LatchkeyApiEndpoint.Instance), "GET /v1/me");

    // Note: the same endpoint with RequireRateLimit's metadata, a limit never reached (in memory, as on SQLite): the
    // difference from ApiKey at the last stage is what a per-credential limit costs a request.
    private static readonly Endpoint RateLimited = new(null,
        new EndpointMetadataCollection(new AuthorizeAttribute(), LatchkeyApiEndpoint.Instance,
            new RateLimitMetadata(null, int.MaxValue, TimeSpan.FromDays(1))), "GET /v1/me");

    private static readonly Endpoint Anonymous = new(null,
        new EndpointMetadataCollection(new AllowAnonymousAttribute()), "GET /public");

    private SeededDatabase _database = null!;
    private IHttpContextAccessor _accessor = null!;
    private RequestDelegate _pipeline = null!;
    private string _authorization = "";

    /// <summary>The pipeline runs up to and including this middleware (numbered in <c>UseLatchkey()</c>'s order).</summary>
    [ParamsSource(nameof(Stages))]
    public string Through { get; set; } = "";

    // Note: numbered, because BenchmarkDotNet sorts string parameters; "0-Terminal" is the terminal delegate alone.
    public static IEnumerable<string> Stages() =>
        Middlewares.Select((m, i) => $"{i + 1}-{m.Name}").Prepend("0-Terminal");

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // Note: what the web host registers besides AddLatchkey that the middlewares need: the DiagnosticListener of
        // the exception handler, and routing's endpoint data source for the authorization middleware's policy cache.
        _database = await SeededDatabase.CreateAsync(BenchStorage.Sqlite, cached: true, services =>
        {
            services.AddRouting();
            var listener = new DiagnosticListener("Microsoft.AspNetCore");
            services.AddSingleton(listener);
            services.AddSingleton<DiagnosticSource>(listener);
        });
        _accessor = _database.Services.GetRequiredService<IHttpContextAccessor>();
        _authorization = "Bearer " + _database.ApiKey;

        var stage = int.Parse(Through.AsSpan(0, Through.IndexOf('-')), provider: null);
        var app = new ApplicationBuilder(_database.Services);
        foreach (var (_, add) in Middlewares.Take(stage))
        {
            add(app);
        }

        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        _pipeline = app.Build();

        // Note: also warms the credential cache; a request that did not get through would measure a 401 instead.
        if (await ApiKey() != StatusCodes.Status200OK || await NoCredential() != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"The pipeline through {Through} did not answer 200.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    /// <summary><c>GET /v1/me</c>-like: an endpoint that requires authorization, <c>Authorization: Bearer lk_key_...</c> and <c>X-App-Id</c>.</summary>
    [Benchmark]
    public Task<int> ApiKey() => RequestAsync(Authorized, _authorization, SeededDatabase.AppId);

    /// <summary>As <see cref="ApiKey"/> on an endpoint with <c>RequireRateLimit</c>.</summary>
    [Benchmark]
    public Task<int> ApiKeyRateLimited() => RequestAsync(RateLimited, _authorization, SeededDatabase.AppId);

    /// <summary>An anonymous endpoint (<c>AllowAnonymous</c>) and no credential.</summary>
    [Benchmark]
    public Task<int> NoCredential() => RequestAsync(Anonymous, null, null);

    private async Task<int> RequestAsync(Endpoint endpoint, string? authorization, string? appId)
    {
        // Note: what the hosting layer's DefaultHttpContextFactory does per request: a scope, a context over it, the
        // accessor pointed at it (and cleared after).
        await using var scope = _database.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        _accessor.HttpContext = context;
        try
        {
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
            var request = context.Request;
            request.Method = HttpMethods.Get;
            request.Scheme = "https";
            request.Host = new HostString("bench.example");
            request.Path = ReferenceEquals(endpoint, Anonymous) ? "/public" : "/v1/me";
            if (authorization is not null)
            {
                request.Headers.Authorization = authorization;
            }

            if (appId is not null)
            {
                request.Headers[LatchkeyDefaults.AppIdHeader] = appId;
            }

            context.SetEndpoint(endpoint);
            await _pipeline(context);
            return context.Response.StatusCode;
        }
        finally
        {
            _accessor.HttpContext = null;
        }
    }
}
