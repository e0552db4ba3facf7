using System.Diagnostics;
using System.Text.Json;

namespace Latchkey.Server.Tests;

/// <summary>
/// The container image's configuration as the .NET SDK computes it for <c>-t:PublishContainer</c>: what `docker run`
/// and Kubernetes will see (user, port, entry point, labels, default database).
/// </summary>
// Note: the image itself is not built here: PublishContainer pulls its base image (mcr.microsoft.com/dotnet/aspnet)
// from a registry, which the test machines cannot reach. The SDK's own ComputeContainerConfig target is what
// PublishContainer writes into the image's config, so evaluating it checks the same values without the pull.
public sealed class ContainerImageTests
{
    [Fact]
    public async Task TheImageRunsAsTheNonRootAppUserOnPort8080WithTheServerAsItsCommand()
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "msbuild", Path.Combine(ServerProcess.RepositoryRoot, "src", "Latchkey.Server", "Latchkey.Server.csproj"),
                     "-t:ComputeContainerConfig", $"-p:Configuration={ServerProcess.BuildConfiguration}", "-nologo",
                     "-getProperty:ContainerUser", "-getProperty:ContainerBaseImage", "-getProperty:ContainerRepository",
                     "-getItem:ContainerPort", "-getItem:ContainerLabel", "-getItem:ContainerAppCommand", "-getItem:ContainerEnvironmentVariable" })
        {
            start.ArgumentList.Add(argument);
        }

        using var msbuild = Process.Start(start)!;
        var output = msbuild.StandardOutput.ReadToEndAsync();
        var errors = msbuild.StandardError.ReadToEndAsync();
        await msbuild.WaitForExitAsync();
        Assert.True(msbuild.ExitCode == 0, await output + await errors);
        using var config = JsonDocument.Parse(await output);
        var properties = config.RootElement.GetProperty("Properties");
        var items = config.RootElement.GetProperty("Items");
        string[] Identities(string item) => items.GetProperty(item).EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToArray();
        string Value(string item, string identity) =>
            items.GetProperty(item).EnumerateArray().Single(i => i.GetProperty("Identity").GetString() == identity).GetProperty("Value").GetString()!;

        Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString());
        Assert.Equal("latchkey", properties.GetProperty("ContainerRepository").GetString());
        Assert.Equal(["8080"], Identities("ContainerPort"));
        Assert.Equal(["dotnet", "/app/Latchkey.Server.dll"], Identities("ContainerAppCommand"));
        Assert.Equal("Latchkey", Value("ContainerLabel", "org.opencontainers.image.title"));
        Assert.Contains("org.opencontainers.image.description", Identities("ContainerLabel"));
        // Note: /app belongs to root; the default SQLite file must be where the app user may write.
        Assert.Equal("Data Source=/home/app/latchkey.db", Value("ContainerEnvironmentVariable", "ConnectionStrings__Latchkey"));
    }
}
