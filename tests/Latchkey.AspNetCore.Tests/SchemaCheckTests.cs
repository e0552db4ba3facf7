using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Tests;

public sealed class SchemaCheckTests
{
    [Fact]
    public async Task AnAppOnADatabaseWithoutLatchkeysSchemaFailsAtStartUpWithOneClearMessage()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-schema-").FullName;
        var file = Path.Combine(directory, "someone-elses.db");
        try
        {
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Latchkey"] = $"Data Source={file};Pooling=False" });
            builder.Logging.ClearProviders();
            builder.Services.AddLatchkey(builder.Configuration);
            await using var app = builder.Build();
            app.UseLatchkey();
            app.MapLatchkeyApi();

            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

            Assert.Equal($"No Latchkey schema in {file}; run the server once or `latchkey migrate` (or call MigrateLatchkeyDatabaseAsync before Run).",
                failure.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
