using Latchkey.AspNetCore;
using Latchkey.Server;
using Latchkey.Storage;
using Microsoft.Extensions.Options;

// Note: --migrate-only is ours, not a configuration key, so it is taken out before the host parses the rest.
var migrateOnly = args.Contains("--migrate-only");
var builder = WebApplication.CreateBuilder(args.Where(a => a != "--migrate-only").ToArray());

// Note: limits set on purpose rather than inherited: the API takes small JSON bodies and a few headers.
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 64 * 1024;
    kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
    kestrel.Limits.MaxRequestHeaderCount = 50;
    kestrel.Limits.MaxRequestLineSize = 8 * 1024;
    kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
});
builder.Services.AddLatchkey(builder.Configuration);
builder.AddLatchkeyMetrics();
builder.Services.AddWebUi();

// Note: ASP.NET Core's authentication registers data protection, whose hosted service creates a key ring at start-up:
// on Linux and macOS a first run writes an unencrypted key to ~/.aspnet and warns about it. Nothing of Latchkey
// protects data with it (keys and tokens are digests in the database, the cookies carry the key itself), so the ring is
// not loaded ahead of time; a feature a host adds that does use it still creates it on first use.
foreach (var preload in builder.Services.Where(s => s.ServiceType == typeof(IHostedService)
    && s.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList())
{
    builder.Services.Remove(preload);
}
builder.Services.AddOpenApi(options => options.AddDocumentTransformer<LatchkeySecuritySchemes>()
    .AddOperationTransformer<LatchkeySecuritySchemes>());

var app = builder.Build();

if (migrateOnly || app.Services.GetRequiredService<IOptions<LatchkeyStorageOptions>>().Value.MigrateOnStartup)
{
    await app.Services.MigrateLatchkeyDatabaseAsync();
    if (migrateOnly)
    {
        return;
    }
}

app.UseLatchkey();
app.UseLatchkeyMetrics();

app.MapLatchkeyApiReference();
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapOpenApi().AllowAnonymous();
app.MapWebUi();
app.MapLatchkeyApi();

app.Run();

/// <summary>The host's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
