using EmbeddingHost;
using Latchkey.AspNetCore;
using Latchkey.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using OpenTelemetry.Metrics;

// The application bench/http-load.sh measures: Latchkey embedded as an integrator would (AddLatchkey, UseLatchkey,
// MapLatchkeyApi) and three endpoints that answer the same constant text, so that only authentication differs:
//   GET /anon   anonymous
//   GET /auth   RequireAuthorization() on Latchkey's default scheme (API key + X-App-Id, machine token)
//   GET /noop   the "noop" scheme, whose handler succeeds without reading the request: with Bench:Floor (the default
//               scheme is then the no-op one) the floor that ASP.NET Core's own authentication and authorization
//               middleware set
//   GET /limited  as /auth, with a per-credential rate limit (RequireRateLimit) that the bench never reaches
// Options (command line or environment): --seed-sessions N (Bench__SeedSessions) and --seed-expired N
// (Bench__SeedExpired) bulk-insert N live or already expired sessions of one seeded user before the host listens;
// Latchkey:Metrics:Prometheus (as the server's) serves GET /metrics: Latchkey's meter and ASP.NET Core's requests.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--seed-sessions"] = "Bench:SeedSessions",
    ["--seed-expired"] = "Bench:SeedExpired",
});

// Note: request logging at Information would be measured along with the request; a production host logs warnings.
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddLatchkey(builder.Configuration);
builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, NoopAuthenticationHandler>(NoopAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorizationBuilder().AddPolicy(NoopAuthenticationHandler.SchemeName, policy => policy
    .AddAuthenticationSchemes(NoopAuthenticationHandler.SchemeName)
    .RequireAuthenticatedUser());

// Note: with Bench:Floor the no-op scheme is the default one, so that GET /noop costs exactly what ASP.NET Core's
// authentication and authorization middleware cost around a handler that reads nothing. Otherwise the middleware
// first runs Latchkey's default scheme (finding no credential), and the policy then authenticates the no-op scheme
// again: more than the floor.
var floor = builder.Configuration.GetValue<bool>("Bench:Floor");
if (floor)
{
    builder.Services.Configure<AuthenticationOptions>(o => o.DefaultScheme = NoopAuthenticationHandler.SchemeName);
}

var prometheus = builder.Configuration.GetValue<bool>("Latchkey:Metrics:Prometheus");
if (prometheus)
{
    builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter(LatchkeyDefaults.MeterName, "Microsoft.AspNetCore.Hosting")
        .AddPrometheusExporter());
}

var app = builder.Build();
await app.Services.MigrateLatchkeyDatabaseAsync();
await SessionSeeder.SeedAsync(app.Configuration, app.Logger);

app.UseLatchkey();
if (prometheus)
{
    // Note: as middleware, as the server does: a scrape then has no route and is not counted with the workloads.
    app.UseOpenTelemetryPrometheusScrapingEndpoint();
}

app.MapLatchkeyApi();
app.MapGet("/anon", () => Constant.Text).AllowAnonymous();
app.MapGet("/auth", () => Constant.Text).RequireAuthorization();
app.MapGet("/limited", () => Constant.Text).RequireAuthorization().RequireRateLimit(int.MaxValue, TimeSpan.FromMinutes(1));
if (floor)
{
    app.MapGet("/noop", () => Constant.Text).RequireAuthorization();
}
else
{
    app.MapGet("/noop", () => Constant.Text).RequireAuthorization(NoopAuthenticationHandler.SchemeName);
}

app.Run();

internal static class Constant
{
    public const string Text = "ok";
}
