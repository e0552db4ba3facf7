using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Latchkey.Server.Tests;

/// <summary>
/// The server as an operator deploys it: <c>dotnet publish</c>'s output, started from a directory that is not its own,
/// configured only by its shipped appsettings.json and the environment (a container's <c>ASPNETCORE_HTTP_PORTS</c>).
/// </summary>
public sealed class PublishedServerTests : IAsyncLifetime
{
    private readonly string _published = Directory.CreateTempSubdirectory("latchkey-published-").FullName;

    public async Task InitializeAsync()
    {
        // Note: --no-build: the server was built with the tests (a project reference), in their configuration.
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "publish", Path.Combine(ServerProcess.RepositoryRoot, "src", "Latchkey.Server", "Latchkey.Server.csproj"),
                     "-c", ServerProcess.BuildConfiguration, "--no-build", "-o", _published, "--nologo", "-v", "q" })
        {
            start.ArgumentList.Add(argument);
        }

        using var publish = Process.Start(start)!;
        var output = Task.WhenAll(publish.StandardOutput.ReadToEndAsync(), publish.StandardError.ReadToEndAsync());
        await publish.WaitForExitAsync();
        Assert.True(publish.ExitCode == 0, string.Join(Environment.NewLine, await output));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_published, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task APublishedServerStartedFromAnotherDirectoryFindsItsSettingsSecretsPagesScriptAndMetrics()
    {
        // Note: the connection string comes from a mounted secret (one file per key), which wins over the environment's;
        // a relative SQLite file, as in the shipped appsettings.json, lands in the working directory.
        var secrets = Directory.CreateDirectory(Path.Combine(_published, "secrets")).FullName;
        await File.WriteAllTextAsync(Path.Combine(secrets, "ConnectionStrings__Latchkey"), "Data Source=from-secret.db");
        var server = await ServerProcess.StartPublishedAsync(Path.Combine(_published, "Latchkey.Server.dll"), "Data Source=from-environment.db",
            new Dictionary<string, string> { ["Latchkey__Storage__Provider"] = "sqlite", ["Latchkey__SecretsDirectory"] = secrets });
        await using (server)
        {
            var home = await server.Client.GetAsync("/");
            var script = await server.Client.GetAsync("/latchkey.js");
            // Note: /metrics is switched on by the shipped appsettings.json only (Latchkey:Metrics:Prometheus).
            var metrics = await server.Client.GetAsync("/metrics");

            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
            Assert.Contains("<html", await home.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("latchkey_", await metrics.Content.ReadAsStringAsync());
            Assert.True(File.Exists(Path.Combine(server.WorkingDirectory, "from-secret.db")));
            Assert.False(File.Exists(Path.Combine(server.WorkingDirectory, "from-environment.db")));
            await server.StopAsync();
            Assert.DoesNotContain(server.Output, line => line.Contains("Overriding HTTP_PORTS", StringComparison.Ordinal));
        }

        // Note: the default address is the shipped configuration's, not launchSettings.json's (which publish leaves out).
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_published, "appsettings.json")));
        Assert.Equal("http://localhost:5080", settings.RootElement.GetProperty("Urls").GetString());
        Assert.False(File.Exists(Path.Combine(_published, "Properties", "launchSettings.json")));
    }
}
