using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Client.Tests;

/// <summary>
/// A console-style app using the SDK the way its README shows: AddHttpClient(...).AddLatchkey(...), log in once, call
/// a protected endpoint; then "restarted" (a new service provider on the same configuration directory).
/// </summary>
public sealed class ClientTests : IAsyncDisposable
{
    private readonly string _configDirectory = Directory.CreateTempSubdirectory("latchkey-client-config-").FullName;

    private ServiceProvider StartApp(ServerHost host, Action<LatchkeyClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("api", c => c.BaseAddress = host.Server.BaseAddress)
            .ConfigurePrimaryHttpMessageHandler(() => host.Server.CreateHandler())
            .AddLatchkey(o =>
            {
                o.AppName = "console";
                o.ConfigDirectory = _configDirectory;
                configure?.Invoke(o);
            });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task AppLogsInOnceKeepsItsAppIdAcrossRestartsAndIsToldWhenItsSessionIsRevoked()
    {
        await using var host = await ServerHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        string appId;
        await using (var first = StartApp(host))
        {
            var client = first.GetRequiredService<LatchkeyClient>();
            appId = client.AppId;
            Assert.True(await client.LoginAsync("alice@example.com", ServerHost.Password));
            Assert.Equal("hello alice@example.com", await client.HttpClient.GetStringAsync("/protected"));
        }

        await using var restarted = StartApp(host);
        var again = restarted.GetRequiredService<LatchkeyClient>();
        var refusals = new List<LatchkeyUnauthorizedEventArgs>();
        again.Unauthorized += (_, e) => refusals.Add(e);

        Assert.Equal(appId, again.AppId);
        Assert.True(await again.HasKeyAsync());
        Assert.Equal("hello alice@example.com", await again.HttpClient.GetStringAsync("/protected"));
        var sessions = await again.HttpClient.GetFromJsonAsync<List<SessionResponse>>("/v1/sessions");
        Assert.Equal(appId, Assert.Single(sessions!).AppId);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_configDirectory, "key")));
        }

        // Another app instance of the same user ends this one's session.
        var other = host.RawClient();
        var login = await (await other.PostAsJsonAsync("/v1/login",
            new LoginRequest("alice@example.com", ServerHost.Password, "another-device-1", "phone"))).Content.ReadFromJsonAsync<LoginResponse>();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!.ApiKey);
        other.DefaultRequestHeaders.Add("X-App-Id", "another-device-1");
        Assert.Equal(HttpStatusCode.NoContent, (await other.DeleteAsync($"/v1/sessions/{sessions![0].Id}")).StatusCode);

        var refused = await again.HttpClient.GetAsync("/protected");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var refusal = Assert.Single(refusals);
        Assert.Equal("invalid_token", refusal.Error);
        Assert.Equal("The session was logged out.", refusal.Detail);
        Assert.Equal(LatchkeyUnauthorizedReason.LoggedOut, refusal.Reason);
        Assert.False(await again.HasKeyAsync());
        Assert.True(await again.LoginAsync("alice@example.com", ServerHost.Password));
        Assert.Equal("hello alice@example.com", await again.HttpClient.GetStringAsync("/protected"));
    }

    [Fact]
    public async Task AStepUpChallengeIsRaisedAsItsOwnEventAndReauthenticatingAnswersIt()
    {
        await using var host = await ServerHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        await using var app = StartApp(host);
        var client = app.GetRequiredService<LatchkeyClient>();
        var stepUps = new List<LatchkeyStepUpRequiredEventArgs>();
        var refusals = new List<LatchkeyUnauthorizedEventArgs>();
        client.StepUpRequired += (_, e) => stepUps.Add(e);
        client.Unauthorized += (_, e) => refusals.Add(e);
        Assert.True(await client.LoginAsync("alice@example.com", ServerHost.Password));
        await host.AgeAuthenticationsAsync();

        var refused = await client.HttpClient.PostAsJsonAsync("/v1/machine-users", new MachineUserRequest("ci", ["x"]));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var stepUp = Assert.Single(stepUps);
        Assert.Equal(TimeSpan.FromMinutes(10), stepUp.MaxAge);
        Assert.EndsWith("/v1/machine-users", stepUp.RequestUri!.ToString());
        Assert.Empty(refusals);
        Assert.False(await client.ReauthenticateAsync("not the right passphrase"));
        Assert.True(await client.ReauthenticateAsync(ServerHost.Password));
        Assert.Equal(HttpStatusCode.Created, (await client.HttpClient.PostAsJsonAsync("/v1/machine-users", new MachineUserRequest("ci", ["x"]))).StatusCode);
    }

    [Fact]
    public async Task MachineTokenSignsRequestsWithoutLogin()
    {
        await using var host = await ServerHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        var owner = host.RawClient();
        var key = (await (await owner.PostAsJsonAsync("/v1/login",
            new LoginRequest("alice@example.com", ServerHost.Password, "admin-console", "admin"))).Content.ReadFromJsonAsync<LoginResponse>())!;
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.ApiKey);
        owner.DefaultRequestHeaders.Add("X-App-Id", "admin-console");
        var machine = await (await owner.PostAsJsonAsync("/v1/machine-users", new MachineUserRequest("ci", ["deploy"])))
            .Content.ReadFromJsonAsync<MachineUserCreatedResponse>();

        await using var app = StartApp(host, o => o.MachineToken = machine!.Token);
        var me = await app.GetRequiredService<LatchkeyClient>().GetMeAsync();

        Assert.Equal("machine", me!.Kind);
        Assert.Equal(machine!.UserId, me.UserId);
    }

    [Fact]
    public async Task WrongPasswordIsAnsweredFalseAndStoresNoKey()
    {
        await using var host = await ServerHost.StartAsync();
        await host.SignupAsync("alice@example.com");
        await using var app = StartApp(host);
        var client = app.GetRequiredService<LatchkeyClient>();

        Assert.False(await client.LoginAsync("alice@example.com", "not the password"));
        Assert.False(await client.HasKeyAsync());
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_configDirectory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
