using EmbeddingHost;
using Latchkey.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication;

// The resource server bench/http-load-jwt.sh measures: it shares nothing with Latchkey but the authority's URL
// (Bench:Authority), verifies JWTs from POST /v1/token locally with AddLatchkeyJwtBearer (keys from the authority's
// JWKS, fetched once), and answers one constant text:
//   GET /resource  RequireAuthorization() on the default scheme: Latchkey's JwtBearer, or with Bench:Floor the "noop"
//                  scheme, whose handler succeeds without reading the request (the floor: ASP.NET Core's own
//                  authentication and authorization middleware around a handler that does nothing)
// Note: one endpoint, two runs of the same host, so that the floor differs from the measured run in the handler only.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var authority = builder.Configuration["Bench:Authority"] ?? throw new InvalidOperationException("Set Bench:Authority to Latchkey's base URL.");
builder.Services.AddLatchkeyJwtBearer(authority)
    .AddScheme<AuthenticationSchemeOptions, NoopAuthenticationHandler>(NoopAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorization();
if (builder.Configuration.GetValue<bool>("Bench:Floor"))
{
    builder.Services.Configure<AuthenticationOptions>(o => o.DefaultScheme = NoopAuthenticationHandler.SchemeName);
}

var app = builder.Build();
app.MapGet("/resource", () => "ok").RequireAuthorization();
app.Run();
