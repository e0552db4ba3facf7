using System.Net;
using System.Text;

namespace Latchkey.AspNetCore.Tests;

public sealed class SecretHygieneTests
{
    [Fact]
    public async Task NoPasswordKeyOrTokenReachesTheDatabaseFileTheLogsOrTheAuditLog()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        const string canaryPassword = "canary-password-7f3a9c1e-long";
        const string changedPassword = "canary-changed-1b2d3e4f-long";
        const string memberPassword = "canary-member-5e6f7a8b-long";
        // Note: people type their password into the login field; a login that matches nobody is kept nowhere in clear.
        const string passwordAsLogin = "canary-login-9c0d1e2f-long";
        await host.SendAsync(HttpMethod.Post, "/v1/signup", new { tenant = "Acme", login = "alice@example.com", password = canaryPassword });
        var key = await host.LoginAsync("alice@example.com", "app-instance-1", canaryPassword);
        await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "alice@example.com", password = canaryPassword + "x", appId = "app-instance-2" });
        await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = passwordAsLogin, password = canaryPassword, appId = "app-instance-2" });
        var (machineId, machine) = await host.CreateMachineUserAsync(key, "bot", "deploy");
        var rotated = (await LatchkeyTestHost.ReadJsonAsync(
            await host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{machineId}/token", credential: key))).GetProperty("token").GetString()!;
        await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key);
        await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key.WithAppId("wrong-app-id"));
        await host.SendAsync(HttpMethod.Get, "/v1/me", credential: machine);
        await host.SendAsync(HttpMethod.Get, "/v1/me", credential: new Credential(rotated, null, null));
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Put, "/v1/me/password",
            new { currentPassword = canaryPassword, newPassword = changedPassword }, key)).StatusCode);
        await host.SendAsync(HttpMethod.Post, "/v1/users", new { login = "bob@example.com", password = memberPassword, roles = new[] { "member" } }, key);
        await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = "bob@example.com", password = memberPassword + "x", appId = "app-instance-3" });
        var audit = await (await host.SendAsync(HttpMethod.Get, "/v1/audit?limit=200", credential: key)).Content.ReadAsStringAsync();
        await host.App.StopAsync();

        // Note: each token's secret part alone must not appear either, in any encoding we use.
        string[] secrets =
        [
            canaryPassword, changedPassword, memberPassword, passwordAsLogin, key.Token, key.Token[33..^7], machine.Token, machine.Token[34..^7],
            rotated, rotated[34..^7],
        ];
        var storedBytes = await host.ReadStoredBytesAsync();
        var logText = string.Join("\n", host.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));
        Assert.NotEmpty(host.Logs.GetSnapshot());
        Assert.Contains("user.created", audit);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logText);
            Assert.DoesNotContain(secret, audit);
            Assert.Equal(-1, storedBytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
            Assert.Equal(-1, storedBytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)));
        }
    }
}
