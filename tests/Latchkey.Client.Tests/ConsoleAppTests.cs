using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.Contracts;

namespace Latchkey.Client.Tests;

/// <summary>
/// samples/ConsoleClient, README's pattern in a program of its own, run as separate processes against one server: what
/// a command-line tool does across days, with its key in its configuration directory.
/// </summary>
public sealed class ConsoleAppTests : IAsyncDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("latchkey-console-home-").FullName;

    [Fact]
    public async Task AConsoleAppWhoseSessionWasRevokedBetweenTwoRunsLogsInAgainOnTheSecond()
    {
        await using var host = await ServerHost.StartAsync(kestrel: true);
        await host.SignupAsync("alice@example.com");

        var first = await RunAsync(host);
        // Everything of alice's ends from another app instance of hers ("log out everywhere").
        using var other = host.RawClient();
        var login = await (await other.PostAsJsonAsync("/v1/login",
            new LoginRequest("alice@example.com", ServerHost.Password, "another-device-1", "phone"))).Content.ReadFromJsonAsync<LoginResponse>();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!.ApiKey);
        other.DefaultRequestHeaders.Add("X-App-Id", "another-device-1");
        Assert.Equal(HttpStatusCode.NoContent, (await other.DeleteAsync("/v1/sessions")).StatusCode);
        var second = await RunAsync(host);
        var third = await RunAsync(host);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("Logged in.", first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Log in again", second.Output);
        Assert.Contains("Logged in.", second.Output);
        Assert.Contains("\"login\":\"alice@example.com\"", second.Output);
        // Note: the key the second run stored is kept: the third logs in no more.
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.DoesNotContain("Logged in.", third.Output);
        Assert.Contains("\"login\":\"alice@example.com\"", third.Output);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(ServerHost host)
    {
        // Note: the sample built beside the tests (a project reference that is not referenced), in their configuration.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Latchkey.slnx")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))!;
        }

        var dll = Path.Combine(root, "samples", "ConsoleClient", "bin", configuration, "net10.0", "ConsoleClient.dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["LATCHKEY_URL"] = host.Address.ToString();
        start.Environment["LATCHKEY_LOGIN"] = "alice@example.com";
        start.Environment["LATCHKEY_PASSWORD"] = ServerHost.Password;
        // Note: the app id and key live under the user's configuration directory; this one is the test's.
        start.Environment["HOME"] = _home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config");
        using var process = Process.Start(start)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        return (process.ExitCode, string.Join(Environment.NewLine, await output));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_home, recursive: true);
        return ValueTask.CompletedTask;
    }
}
