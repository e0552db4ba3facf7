using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace Latchkey.Server.Tests;

/// <summary>The real host (Program.cs) on its own temporary SQLite file.</summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("latchkey-server-").FullName;

    public string DatabasePath => Path.Combine(_directory, "latchkey.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Latchkey", $"Data Source={DatabasePath}");
        builder.UseSetting("Latchkey:Passwords:Argon2Iterations", "1");
        builder.UseSetting("Latchkey:Passwords:Argon2MemoryKiB", "8");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
