using Latchkey.AspNetCore;
using Latchkey.Server;
using Latchkey.Storage;
using Microsoft.Extensions.Options;

// Note: --migrate-only is ours, not a configuration key, so it is taken out before the host parses the rest.
var migrateOnly = args.Contains("--migrate-only");
var hostArgs = args.Where(a => a != "--migrate-only").ToArray();
var builder = WebApplication.CreateBuilder(ServerStart.Options(hostArgs));

// Note: secrets as files (a Kubernetes Secret or Docker secret mounted as a directory): each file's name is a key
// (`ConnectionStrings__Latchkey`), its content the value. Added last, so a mounted secret wins over the environment.
if (builder.Configuration[ServerStart.SecretsDirectoryKey] is { Length: > 0 } secrets)
{
    builder.Configuration.AddKeyPerFile(secrets, optional: false);
}

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

builder.Services.AddOpenApi(options => options.AddDocumentTransformer<LatchkeySecuritySchemes>()
    .AddOperationTransformer<LatchkeySecuritySchemes>());

var app = builder.Build();

if (migrateOnly || app.Services.GetRequiredService<IOptions<LatchkeyStorageOptions>>().Value.MigrateOnStartup)
{
    var applied = await app.Services.MigrateLatchkeyDatabaseAsync();
    if (migrateOnly)
    {
        // Note: standard output, not the log: an operator's deployment step reads (and records) this one line.
        Console.WriteLine(LatchkeyApplicationExtensions.DescribeMigrations(applied));
        return;
    }

    Log.Migrated(app.Logger, LatchkeyApplicationExtensions.DescribeMigrations(applied));
}

app.UseLatchkey();
app.UseLatchkeyMetrics();

app.MapLatchkeyApiReference();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseWebUiFallbacks();

app.MapOpenApi().AllowAnonymous();
app.MapWebUi();
app.MapLatchkeyApi();

app.Run();

/// <summary>The host's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
