using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    /// <summary>Where the server drops every e-mail message as an <c>.eml</c> file (no SMTP host is configured).</summary>
    public string MailDirectory => Path.Combine(_directory, "mail");

    /// <summary>The base of every link in a message; <see cref="Follow"/> turns such a link into one to this server.</summary>
    public const string PublicBaseUrl = "https://latchkey.test";

    /// <summary>The server's clock: the real time, moved forward by <see cref="ShiftedClock.Offset"/> when a test says so.</summary>
    public ShiftedClock Clock { get; } = new();

    /// <summary>For example <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>
    /// This server as <c>http://localhost:port</c>: the origin of its passkeys. Note: WebAuthn takes no IP address as a
    /// relying party's id, and localhost is a secure context over plain HTTP; so pages that use passkeys are opened here.
    /// </summary>
    public string PasskeyBaseUrl => BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    public Uri Url(string path) => new(BaseUrl + path);

    /// <summary>A link from a message (on <see cref="PublicBaseUrl"/>) as a path with its fragment, to open here.</summary>
    public static string Follow(string link) =>
        link.StartsWith(PublicBaseUrl, StringComparison.Ordinal) ? link[PublicBaseUrl.Length..] : throw new ArgumentException($"Not a link of this server: {link}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Latchkey", $"Data Source={Path.Combine(_directory, "latchkey.db")}");
        builder.UseSetting("Latchkey:Passwords:Argon2Iterations", "1");
        builder.UseSetting("Latchkey:Passwords:Argon2MemoryKiB", "8");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            ServerDiagnostics.AddIfAsked(services);

            // Note: the relying party is made from a base URL as Latchkey:PublicBaseUrl would give it, but from this
            // server's own (known only once it listens, and resolved only at the first passkey request), while
            // links in messages keep naming PublicBaseUrl.
            services.AddSingleton(sp => new Latchkey.Core.Credentials.PasskeyRelyingParty(
                Options.Create(new Latchkey.Core.Email.LatchkeyEmailOptions { PublicBaseUrl = PasskeyBaseUrl }),
                sp.GetRequiredService<IOptions<Latchkey.Core.LatchkeyMfaOptions>>()));
        });
        builder.UseSetting("Latchkey:PublicBaseUrl", PublicBaseUrl);
        builder.UseSetting("Latchkey:Email:PickupDirectory", MailDirectory);
        builder.UseSetting("Latchkey:Email:NewDeviceNotice", "false");
        // Note: every browser in the tests comes from 127.0.0.1; the per-address limits are tested elsewhere.
        builder.UseSetting("Latchkey:Network:CredentialRequestsPerMinute", "100000");
        builder.UseSetting("Latchkey:Network:FailureBurst", "100000");
        // Note: a login locks after its sixth failure here (five free, then one delay of 1 s), so a test reaches the
        // lock in a few attempts; no other test fails that often on one login.
        builder.UseSetting("Latchkey:Lockout:MaxFailures", "6");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>The real clock, or later by <see cref="Offset"/>: lets a test make a session's sign-in old without waiting.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
