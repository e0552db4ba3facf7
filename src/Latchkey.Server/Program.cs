using Latchkey.AspNetCore;
using Latchkey.Server;
using Latchkey.Storage;
using Scalar.AspNetCore;

// Note: --migrate-only is ours, not a configuration key, so it is taken out before the host parses the rest.
var migrateOnly = args.Contains("--migrate-only");
var builder = WebApplication.CreateBuilder(args.Where(a => a != "--migrate-only").ToArray());

builder.Services.AddLatchkey(builder.Configuration);
builder.Services.AddOpenApi(options => options.AddDocumentTransformer<LatchkeySecuritySchemes>()
    .AddOperationTransformer<LatchkeySecuritySchemes>());

var app = builder.Build();

if (migrateOnly || app.Configuration.GetValue(LatchkeyStorageOptions.Section + ":MigrateOnStartup", true))
{
    await app.Services.MigrateLatchkeyDatabaseAsync();
    if (migrateOnly)
    {
        return;
    }
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/reference").AllowAnonymous();
app.MapGet("/", () => TypedResults.Redirect("/reference")).ExcludeFromDescription();
app.MapLatchkeyApi();

app.Run();

/// <summary>The host's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
