using System.Diagnostics;

namespace Latchkey.Cli.Tests;

/// <summary>
/// The tool as an operator gets it: packed to a nupkg, installed with <c>dotnet tool install</c> from a local folder
/// (and nothing else), and run as <c>latchkey</c> on a SQLite file.
/// </summary>
public sealed class ToolInstallTests
{
    [Fact]
    public async Task ToolInstallsFromALocallyPackedNupkgAndRuns()
    {
        var work = Directory.CreateTempSubdirectory("latchkey-tool-").FullName;
        try
        {
            // Note: packs what the test run already built (tests/X/bin/<Configuration>/<tfm>/), instead of building again.
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var root = FindRepositoryRoot();
            var packages = Path.Combine(work, "nupkg");
            await RunAsync("dotnet", ["pack", Path.Combine(root, "src", "Latchkey.Cli"), "--no-build", "-c", configuration, "-o", packages], work);

            // Note: a NuGet configuration of the local folder alone and a package cache of its own, so the install
            // can only take the package just packed.
            var config = Path.Combine(work, "nuget.config");
            await File.WriteAllTextAsync(config,
                $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>""");
            var tools = Path.Combine(work, "tools");
            await RunAsync("dotnet", ["tool", "install", "Latchkey.Cli", "--tool-path", tools, "--configfile", config], work);

            var latchkey = Path.Combine(tools, "latchkey");
            var help = await RunAsync(latchkey, ["--help"], work);
            var migrate = await RunAsync(latchkey, ["migrate"], work);
            var list = await RunAsync(latchkey, ["tenant", "list", "--json"], work);

            Assert.Contains("latchkey [command] [options]", help);
            Assert.StartsWith("Applied ", migrate.Trim());
            Assert.Equal("[]", list.Trim());
            Assert.True(File.Exists(Path.Combine(work, "tool.db")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Latchkey.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Latchkey.slnx not found above the test assembly.");
    }

    private static async Task<string> RunAsync(string file, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NUGET_PACKAGES"] = Path.Combine(workingDirectory, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ConnectionStrings__Latchkey"] = $"Data Source={Path.Combine(workingDirectory, "tool.db")}";
        start.Environment["Latchkey__Storage__Provider"] = "sqlite";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        return await output;
    }
}
