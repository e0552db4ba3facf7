using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.AspNetCore;
using Latchkey.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ResourceApi.Tests;

/// <summary>
/// The sample API on the database of a Latchkey server: a key the server issued and a machine token (with and without
/// the scope) are accepted or refused by the sample's own endpoints as their roles and scopes say.
/// </summary>
public sealed class ResourceApiTests : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private readonly string _directory = Directory.CreateTempSubdirectory("latchkey-sample-").FullName;
    private WebApplication _server = null!;
    private WebApplicationFactory<Program> _sample = null!;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "latchkey.db")}";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Latchkey"] = ConnectionString,
            ["Latchkey:Passwords:Argon2Iterations"] = "1",
            ["Latchkey:Passwords:Argon2MemoryKiB"] = "8",
            ["Latchkey:Network:CredentialRequestsPerMinute"] = "100000",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddLatchkey(builder.Configuration);
        _server = builder.Build();
        await _server.Services.MigrateLatchkeyDatabaseAsync();
        _server.UseLatchkey();
        _server.MapLatchkeyApi();
        await _server.StartAsync();
        _sample = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("ConnectionStrings:Latchkey", ConnectionString)
            .ConfigureLogging(l => l.ClearProviders()));
    }

    [Fact]
    public async Task SampleAcceptsTheServersKeyAndMachineTokensAsTheirRolesAndScopesSay()
    {
        var server = _server.GetTestClient();
        (await server.PostAsJsonAsync("/v1/signup", new SignupRequest("Acme", "alice@example.com", Password))).EnsureSuccessStatusCode();
        var login = await (await server.PostAsJsonAsync("/v1/login", new LoginRequest("alice@example.com", Password, "sample-test-1", "tests")))
            .Content.ReadFromJsonAsync<LoginResponse>();
        var owner = Signed(_server.GetTestClient(), login!.ApiKey, "sample-test-1");
        var writer = await CreateMachineAsync(owner, "writer", ["notes:write"]);
        var reader = await CreateMachineAsync(owner, "reader", []);

        var sample = _sample.CreateClient();
        var person = Signed(_sample.CreateClient(), login.ApiKey, "sample-test-1");
        var withScope = Signed(_sample.CreateClient(), writer, null);
        var withoutScope = Signed(_sample.CreateClient(), reader, null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await sample.GetAsync("/notes")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await person.GetAsync("/notes")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await person.GetAsync("/reports")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withScope.GetAsync("/notes")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await withScope.PostAsync("/notes", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await withoutScope.PostAsync("/notes", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await withScope.GetAsync("/reports")).StatusCode);

        // A key revoked at the server stops working at the sample on the next request.
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync("/v1/sessions/current")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await person.GetAsync("/notes")).StatusCode);
    }

    private static HttpClient Signed(HttpClient client, string token, string? appId)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (appId is not null)
        {
            client.DefaultRequestHeaders.Add(LatchkeyDefaults.AppIdHeader, appId);
        }

        return client;
    }

    private static async Task<string> CreateMachineAsync(HttpClient owner, string name, string[] scopes)
    {
        var response = await owner.PostAsJsonAsync("/v1/machine-users", new MachineUserRequest(name, scopes));
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<MachineUserCreatedResponse>())!.Token;
    }

    public async Task DisposeAsync()
    {
        await _sample.DisposeAsync();
        // Note: disposing a WebApplication does not stop its background services; stopped first, none of them still has
        // the database file open when its directory is deleted.
        await _server.StopAsync();
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
