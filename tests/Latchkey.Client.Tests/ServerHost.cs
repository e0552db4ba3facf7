using System.Net.Http.Json;
using Latchkey.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Latchkey.Client.Tests;

/// <summary>
/// A Latchkey server (AddLatchkey + MapLatchkeyApi) on a temporary SQLite file over TestServer, with one endpoint of
/// its own that needs a signed-in caller, as the app a client talks to would have.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly string _directory;

    private readonly bool _kestrel;

    private ServerHost(WebApplication app, string directory, bool kestrel)
    {
        App = app;
        _directory = directory;
        _kestrel = kestrel;
    }

    public WebApplication App { get; }

    public TestServer Server => App.GetTestServer();

    /// <summary>The address of a Kestrel-hosted server (see <see cref="StartAsync"/>).</summary>
    public Uri Address => new(App.Urls.Single().TrimEnd('/') + "/");

    /// <param name="kestrel">Listen on a loopback port (for a client in another process) instead of TestServer.</param>
    public static async Task<ServerHost> StartAsync(bool kestrel = false)
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-client-").FullName;
        var builder = WebApplication.CreateBuilder();
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Latchkey"] = $"Data Source={Path.Combine(directory, "latchkey.db")}",
            ["Latchkey:Passwords:Argon2Iterations"] = "1",
            ["Latchkey:Passwords:Argon2MemoryKiB"] = "8",
            ["Latchkey:Network:CredentialRequestsPerMinute"] = "100000",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddLatchkey(builder.Configuration);
        var app = builder.Build();
        await app.Services.MigrateLatchkeyDatabaseAsync();
        app.UseLatchkey();
        app.MapLatchkeyApi();
        app.MapGet("/protected", (HttpContext context) => $"hello {context.User.FindFirst("login")?.Value}").RequireAuthorization();
        await app.StartAsync();
        return new ServerHost(app, directory, kestrel);
    }

    /// <summary>A plain client of the server, signing nothing by itself.</summary>
    public HttpClient RawClient() => _kestrel ? new HttpClient { BaseAddress = Address } : Server.CreateClient();

    public async Task SignupAsync(string login)
    {
        var response = await RawClient().PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Makes every session's last authentication long past, as if the person had signed in a day ago.</summary>
    public async Task AgeAuthenticationsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "latchkey.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_user_key SET auth_time = auth_time - $day";
        command.Parameters.AddWithValue("$day", TimeSpan.FromDays(1).Ticks);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Note: disposing a WebApplication does not stop it: its background services (last-use writer, change feed, e-mail
        // outbox) would still be running, and one that opens the database file while the directory is deleted below makes
        // the delete fail ("Directory not empty", seen once). Stopped first, they have finished.
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
