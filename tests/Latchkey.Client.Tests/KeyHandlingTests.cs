using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Client.Tests;

/// <summary>Where the SDK's key goes: onto the disk only through a private file, onto the wire only to the server's origin.</summary>
public sealed class KeyHandlingTests : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("latchkey-client-keys-").FullName;

    [Fact]
    public async Task TheKeyIsSentOnlyToTheBaseAddresssOrigin()
    {
        await using var host = await ServerHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        var seen = new List<HttpRequestMessage>();
        var services = new ServiceCollection();
        services.AddHttpClient("api", c => c.BaseAddress = host.Server.BaseAddress)
            .ConfigurePrimaryHttpMessageHandler(() => new Recorder(seen) { InnerHandler = host.Server.CreateHandler() })
            .AddLatchkey(o => o.ConfigDirectory = _directory);
        await using var app = services.BuildServiceProvider();
        var client = app.GetRequiredService<LatchkeyClient>();
        Assert.True(await client.LoginAsync("alice@example.com", ServerHost.Password));
        var origin = host.Server.BaseAddress;

        seen.Clear();
        await client.HttpClient.GetAsync("/protected");
        await client.HttpClient.GetAsync(new Uri(origin, "/protected"));
        await client.HttpClient.GetAsync("http://evil.example/protected");
        await client.HttpClient.GetAsync($"https://{origin.Host}/protected");
        await client.HttpClient.GetAsync($"{origin.Scheme}://{origin.Host}:8081/protected");
        await client.HttpClient.GetAsync($"{origin.Scheme}://{origin.Host}.evil.example/protected");

        Assert.Equal(6, seen.Count);
        Assert.All(seen[..2], r =>
        {
            Assert.NotNull(r.Headers.Authorization);
            Assert.True(r.Headers.Contains("X-App-Id"));
        });
        Assert.All(seen[2..], r =>
        {
            Assert.Null(r.Headers.Authorization);
            Assert.False(r.Headers.Contains("X-App-Id"), r.RequestUri!.ToString());
        });
    }

    [Fact]
    public async Task AMachineTokenIsSentOnlyToTheBaseAddresssOrigin()
    {
        var seen = new List<HttpRequestMessage>();
        var services = new ServiceCollection();
        services.AddHttpClient("api", c => c.BaseAddress = new Uri("https://latchkey.example/"))
            .ConfigurePrimaryHttpMessageHandler(() => new Recorder(seen) { InnerHandler = new Answers() })
            .AddLatchkey(o =>
            {
                o.ConfigDirectory = _directory;
                o.MachineToken = "lk_mach_not-a-real-token";
            });
        await using var app = services.BuildServiceProvider();
        var http = app.GetRequiredService<LatchkeyClient>().HttpClient;

        await http.GetAsync("v1/me");
        await http.GetAsync("https://elsewhere.example/v1/me");

        Assert.NotNull(seen[0].Headers.Authorization);
        Assert.Null(seen[1].Headers.Authorization);
    }

    [Fact]
    public async Task TheKeyFileIsReplacedWholeAndReadableByItsOwnerAlone()
    {
        var store = new FileKeyStore(Path.Combine(_directory, "keys", "key"));

        await store.WriteAsync("lk_key_first", CancellationToken.None);
        if (!OperatingSystem.IsWindows())
        {
            // A key file someone loosened: the next write replaces it with a private one.
            File.SetUnixFileMode(store.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        }

        await store.WriteAsync("lk_key_second", CancellationToken.None);

        Assert.Equal("lk_key_second", await store.ReadAsync(CancellationToken.None));
        Assert.Equal(["key"], Directory.GetFiles(Path.GetDirectoryName(store.Path)!).Select(Path.GetFileName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(Path.GetDirectoryName(store.Path)!));
        }
    }

    [Fact]
    public async Task AKeyFileSymlinkIsReplacedNotFollowed()
    {
        var victim = Path.Combine(_directory, "victim");
        await File.WriteAllTextAsync(victim, "not yours");
        var keys = Directory.CreateDirectory(Path.Combine(_directory, "keys")).FullName;
        var path = Path.Combine(keys, "key");
        File.CreateSymbolicLink(path, victim);
        var store = new FileKeyStore(path);

        await store.WriteAsync("lk_key_secret", CancellationToken.None);

        Assert.Equal("not yours", await File.ReadAllTextAsync(victim));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal("lk_key_secret", await store.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AKeyDirectorySymlinkIsRefused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        var link = Path.Combine(_directory, "keys");
        Directory.CreateSymbolicLink(link, elsewhere);
        var store = new FileKeyStore(Path.Combine(link, "key"));

        await Assert.ThrowsAsync<IOException>(() => store.WriteAsync("lk_key_secret", CancellationToken.None).AsTask());

        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Keeps a copy of each request as it leaves the client.</summary>
    private sealed class Recorder(List<HttpRequestMessage> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var copy = new HttpRequestMessage(request.Method, request.RequestUri);
            foreach (var header in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            lock (seen)
            {
                seen.Add(copy);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A server that answers every request 200 with an empty profile.</summary>
    private sealed class Answers : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = JsonContent.Create(new { }) });
    }
}
