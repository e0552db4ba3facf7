using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Web.Tests;

/// <summary>
/// The real host (Program.cs, its pages and static files) on Kestrel at 127.0.0.1 on a free port, with its own
/// temporary SQLite file and cheap Argon2. Development, as <c>dotnet run</c> starts it on a laptop: cookies without the
/// <c>__Host-</c> prefix, which browsers refuse over plain HTTP.
/// </summary>
public sealed class WebServer : WebApplicationFactory<Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("latchkey-web-").FullName;

    public WebServer()
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseUrl = addresses.Addresses.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    /// <summary>For example <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl { get; }

    public Uri Url(string path) => new(BaseUrl + path);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Latchkey", $"Data Source={Path.Combine(_directory, "latchkey.db")}");
        builder.UseSetting("Latchkey:Passwords:Argon2Iterations", "1");
        builder.UseSetting("Latchkey:Passwords:Argon2MemoryKiB", "8");
        // Note: every browser in the tests comes from 127.0.0.1; the per-IP limit is tested elsewhere.
        builder.UseSetting("Latchkey:Network:CredentialRequestsPerMinute", "100000");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
